using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Text;

/// <summary>
/// A BERT-style encoder: token + position + token-type embeddings, layer norm, then <see cref="BertConfig.Layers"/>
/// transformer layers. Its parameters are named and shaped like Hugging Face's <c>BertModel</c>
/// (<see cref="HuggingFaceParameters"/>), so pretrained weights load by name.
/// </summary>
internal sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    /// <summary>What padding adds to attention scores: exp(−10000) is exactly 0 in float32.</summary>
    private const float MaskedScore = -10000f;

    private readonly Scalar _maskedScore = ((double)-MaskedScore).ToScalar();
    internal readonly Embedding words, positions, types;
    internal readonly LayerNorm embeddingNorm;
    internal readonly ModuleList<TransformerLayer> layers;
    private readonly Dropout dropout;

    public BertEncoder(BertConfig config, double dropoutRate) : base(nameof(BertEncoder))
    {
        config.Validate();
        Config = config;
        words = nn.Embedding(config.VocabularySize, config.HiddenSize);
        positions = nn.Embedding(config.MaxPositions, config.HiddenSize);
        types = nn.Embedding(config.TypeVocabularySize, config.HiddenSize);
        embeddingNorm = nn.LayerNorm([config.HiddenSize], config.LayerNormEpsilon);
        layers = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new TransformerLayer(config, dropoutRate)).ToArray());
        dropout = nn.Dropout(dropoutRate);
        RegisterComponents();
        InitializeLikeBert();
    }

    public BertConfig Config { get; }

    /// <summary>Token states [rows, length, hidden] from ids and types (int64) and the mask (float, 1 = token), all [rows, length].</summary>
    public override Tensor forward(Tensor ids, Tensor tokenTypes, Tensor mask)
    {
        long length = ids.shape[1];
        if (length > Config.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(ids), length, $"Sequences are longer than the encoder's {Config.MaxPositions} positions.");
        using var positionIds = arange(length, dtype: ScalarType.Int64, device: ids.device);
        var states = words.call(ids).add(positions.call(positionIds), Scalars.One).add(types.call(tokenTypes), Scalars.One);
        states = dropout.call(embeddingNorm.call(states));
        // 0 where there is a token, −10000 where there is padding: (mask − 1) · 10000.
        var bias = mask.sub(Scalars.One).mul(_maskedScore).unsqueeze(1).unsqueeze(2);
        foreach (var layer in layers)
            states = layer.call(states, bias);
        return states;
    }

    /// <summary>The same computation as ONNX operators; returns the token states' name.</summary>
    public string ExportOnnx(OnnxGraph graph, string ids, string tokenTypes, string mask)
    {
        string Table(Embedding table, string hint) =>
            graph.AddInitializer(hint, LayerExporter.ToArray(table.weight!), table.weight!.shape[0], table.weight!.shape[1]);
        string length = graph.AddNode("Gather", [graph.AddNode("Shape", [ids]), graph.AddInitializer("one", [1L])]);
        string positionIds = graph.AddNode("Range", [graph.AddInitializer("zero", [0L]), length, graph.AddInitializer("step", [1L])]);
        string states = graph.AddNode("Add", [graph.AddNode("Add", [graph.AddNode("Gather", [Table(words, "word_embeddings"), ids]),
            graph.AddNode("Gather", [Table(positions, "position_embeddings"), positionIds])]), graph.AddNode("Gather", [Table(types, "token_type_embeddings"), tokenTypes])]);
        states = LayerExporter.Export(graph, embeddingNorm, states);
        string bias = graph.AddNode("Mul", [graph.AddNode("Sub", [mask, graph.AddInitializer("one_f", [1f])]), graph.AddInitializer("masked_score", [-MaskedScore])]);
        bias = graph.AddNode("Unsqueeze", [bias, graph.AddInitializer("axes", [1L, 2L], 2)]);
        foreach (var layer in layers)
            states = layer.ExportOnnx(graph, states, bias);
        return states;
    }

    /// <summary>Every parameter under its Hugging Face <c>BertModel</c> name (torch layout: linear weights are [out, in]).</summary>
    public IEnumerable<(string Name, Tensor Parameter)> HuggingFaceParameters()
    {
        yield return ("embeddings.word_embeddings.weight", words.weight!);
        yield return ("embeddings.position_embeddings.weight", positions.weight!);
        yield return ("embeddings.token_type_embeddings.weight", types.weight!);
        yield return ("embeddings.LayerNorm.weight", embeddingNorm.weight!);
        yield return ("embeddings.LayerNorm.bias", embeddingNorm.bias!);
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            string prefix = $"encoder.layer.{i}.";
            foreach (var (name, linear) in new[] { ("attention.self.query", layer.query), ("attention.self.key", layer.key),
                         ("attention.self.value", layer.value), ("attention.output.dense", layer.attentionOutput),
                         ("intermediate.dense", layer.intermediate), ("output.dense", layer.output) })
            {
                yield return (prefix + name + ".weight", linear.weight!);
                yield return (prefix + name + ".bias", linear.bias!);
            }
            foreach (var (name, norm) in new[] { ("attention.output.LayerNorm", layer.attentionNorm), ("output.LayerNorm", layer.outputNorm) })
            {
                yield return (prefix + name + ".weight", norm.weight!);
                yield return (prefix + name + ".bias", norm.bias!);
            }
        }
    }

    /// <summary>Normal(0, 0.02) weights and zero biases, as BERT initialises (TorchSharp's defaults are for other nets).</summary>
    private void InitializeLikeBert()
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in HuggingFaceParameters())
        {
            if (name.Contains("LayerNorm"))
                continue;
            if (name.EndsWith(".bias", StringComparison.Ordinal))
                parameter.zero_();
            else
                nn.init.normal_(parameter, 0, 0.02);
        }
    }
}
