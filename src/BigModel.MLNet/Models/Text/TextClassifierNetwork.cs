using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Text;

/// <summary>
/// WordPiece ids of one or two texts → <see cref="SequenceAssembler"/> → <see cref="BertEncoder"/> → pooling →
/// dropout → a linear head with the task's output width.
/// </summary>
internal sealed class TextClassifierNetwork : nn.Module
{
    private readonly SequenceAssembler _assembler;
    private readonly TextPooling _pooling;
    private readonly Scalar _tiny = 1e-9.ToScalar();
    internal readonly BertEncoder encoder;
    internal readonly Linear head;
    private readonly Dropout dropout;

    public TextClassifierNetwork(BertEncoder encoder, SequenceAssembler assembler, TextPooling pooling, int outputs, double dropoutRate)
        : base(nameof(TextClassifierNetwork))
    {
        this.encoder = encoder;
        _assembler = assembler;
        _pooling = pooling;
        head = nn.Linear(encoder.Config.HiddenSize, outputs);
        dropout = nn.Dropout(dropoutRate);
        RegisterComponents();
    }

    /// <summary>Logits [rows, outputs] from the ids of the first (and second) text, int64 [rows, width], −1 after each
    /// text, on any device (they are read back for assembly; the assembled inputs go to the network's device).</summary>
    public Tensor Forward(IReadOnlyList<Tensor> texts)
    {
        var (ids, types, mask) = _assembler.Assemble(texts[0], texts.Count > 1 ? texts[1] : null, trim: true, head.weight!.device);
        var states = encoder.call(ids, types, mask);
        return head.call(dropout.call(Pool(states, mask)));
    }

    private Tensor Pool(Tensor states, Tensor mask)
    {
        if (_pooling == TextPooling.Cls)
            return states.select(1, 0);
        var weights = mask.unsqueeze(2);
        return states.mul(weights).sum(1).div(weights.sum(1).clamp_min(_tiny));
    }

    /// <summary>The same computation as ONNX operators, from the graph values holding the texts' ids.</summary>
    public string ExportOnnx(OnnxGraph graph, IReadOnlyList<string> texts)
    {
        var (ids, types, mask) = _assembler.ExportOnnx(graph, texts[0], texts.Count > 1 ? texts[1] : null, trim: true);
        string states = encoder.ExportOnnx(graph, ids, types, mask);
        string pooled;
        if (_pooling == TextPooling.Cls)
        {
            pooled = graph.AddNode("Gather", [states, graph.AddInitializer("first", [0L])], null, OnnxAttribute.Of("axis", 1L));
        }
        else
        {
            string weights = graph.AddNode("Unsqueeze", [mask, graph.AddInitializer("axes", [2L], 1)]);
            string axis = graph.AddInitializer("axes", [1L], 1);
            string sum = graph.AddNode("ReduceSum", [graph.AddNode("Mul", [states, weights]), axis], null, OnnxAttribute.Of("keepdims", 0L));
            string count = graph.AddNode("ReduceSum", [weights, axis], null, OnnxAttribute.Of("keepdims", 0L));
            pooled = graph.AddNode("Div", [sum, graph.AddNode("Max", [count, graph.AddInitializer("tiny", [1e-9f])])]);
        }
        return LayerExporter.Export(graph, head, pooled);
    }

    /// <summary>
    /// Parameter groups: the embeddings and each transformer layer at the learning rate × <paramref name="decay"/> to the
    /// power of its distance from the head (layer-wise learning-rate decay: the lower, more general layers change
    /// least), the pooling head at the full rate. The embeddings (when <paramref name="freezeEmbeddings"/>) and the
    /// first <paramref name="frozenLayers"/> layers never train.
    /// </summary>
    public IReadOnlyList<ParameterGroup> Groups(bool freezeEmbeddings, int frozenLayers, double decay)
    {
        int layers = encoder.layers.Count;
        var embeddings = new nn.Module[] { encoder.words, encoder.positions, encoder.types, encoder.embeddingNorm }.SelectMany(m => m.parameters()).ToList();
        var groups = new List<ParameterGroup>
        {
            new(embeddings, Math.Pow(decay, layers + 1), freezeEmbeddings ? int.MaxValue : 0),
        };
        groups.AddRange(encoder.layers.Select((layer, i) =>
            new ParameterGroup(layer.parameters().ToList(), Math.Pow(decay, layers - i), i < frozenLayers ? int.MaxValue : 0)));
        var grouped = groups.SelectMany(g => g.Parameters).ToHashSet(ReferenceEqualityComparer.Instance);
        groups.Add(new ParameterGroup(parameters().Where(p => !grouped.Contains(p)).ToList()));
        return groups;
    }
}
