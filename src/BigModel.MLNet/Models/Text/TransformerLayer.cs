using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Text;

/// <summary>
/// One BERT encoder layer (post-norm): multi-head self-attention, add and normalise, a GELU feed-forward block, add
/// and normalise.
/// </summary>
internal sealed class TransformerLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly int _heads, _headSize, _hidden;
    private readonly Scalar _attentionScale;
    internal readonly Linear query, key, value, attentionOutput, intermediate, output;
    internal readonly LayerNorm attentionNorm, outputNorm;
    private readonly GELU gelu = nn.GELU();
    private readonly Dropout dropout;

    public TransformerLayer(BertConfig config, double dropoutRate) : base(nameof(TransformerLayer))
    {
        _hidden = config.HiddenSize;
        _heads = config.AttentionHeads;
        _headSize = _hidden / _heads;
        _attentionScale = (1.0 / Math.Sqrt(_headSize)).ToScalar();
        query = nn.Linear(_hidden, _hidden);
        key = nn.Linear(_hidden, _hidden);
        value = nn.Linear(_hidden, _hidden);
        attentionOutput = nn.Linear(_hidden, _hidden);
        intermediate = nn.Linear(_hidden, config.IntermediateSize);
        output = nn.Linear(config.IntermediateSize, _hidden);
        attentionNorm = nn.LayerNorm([_hidden], config.LayerNormEpsilon);
        outputNorm = nn.LayerNorm([_hidden], config.LayerNormEpsilon);
        dropout = nn.Dropout(dropoutRate);
        RegisterComponents();
    }

    /// <param name="states">Token states [rows, length, hidden].</param>
    /// <param name="attentionBias">0 for tokens, a large negative number for padding, [rows, 1, 1, length].</param>
    public override Tensor forward(Tensor states, Tensor attentionBias)
    {
        long rows = states.shape[0], length = states.shape[1];
        Tensor Heads(Tensor projected) => projected.view(rows, length, _heads, _headSize).transpose(1, 2);
        var scores = Heads(query.call(states)).matmul(Heads(key.call(states)).transpose(2, 3)).mul(_attentionScale).add(attentionBias, Scalars.One);
        var context = nn.functional.softmax(scores, -1).matmul(Heads(value.call(states)))
            .transpose(1, 2).contiguous().view(rows, length, _hidden);
        var attended = attentionNorm.call(dropout.call(attentionOutput.call(context)).add(states, Scalars.One));
        var fed = output.call(gelu.call(intermediate.call(attended)));
        return outputNorm.call(dropout.call(fed).add(attended, Scalars.One));
    }

    /// <summary>The same computation as ONNX operators.</summary>
    public string ExportOnnx(OnnxGraph graph, string states, string attentionBias)
    {
        string Export(nn.Module module, string input) => LayerExporter.Export(graph, module, input);
        string headShape = graph.AddInitializer("head_shape", [0L, 0L, _heads, _headSize], 4);
        string Heads(string projected, long[] perm) => graph.AddNode("Transpose", [graph.AddNode("Reshape", [projected, headShape])], null, OnnxAttribute.Of("perm", perm));
        string q = Heads(Export(query, states), [0, 2, 1, 3]);
        string k = Heads(Export(key, states), [0, 2, 3, 1]);
        string v = Heads(Export(value, states), [0, 2, 1, 3]);
        string scores = graph.AddNode("Add", [graph.AddNode("Mul", [graph.AddNode("MatMul", [q, k]),
            graph.AddInitializer("attention_scale", [(float)(1.0 / Math.Sqrt(_headSize))])]), attentionBias]);
        string probabilities = graph.AddNode("Softmax", [scores], null, OnnxAttribute.Of("axis", -1L));
        string context = graph.AddNode("Transpose", [graph.AddNode("MatMul", [probabilities, v])], null, OnnxAttribute.Of("perm", new long[] { 0, 2, 1, 3 }));
        context = graph.AddNode("Reshape", [context, graph.AddInitializer("merge_shape", [0L, 0L, _hidden], 3)]);
        string attended = Export(attentionNorm, graph.AddNode("Add", [Export(attentionOutput, context), states]));
        string fed = Export(output, Export(gelu, Export(intermediate, attended)));
        return Export(outputNorm, graph.AddNode("Add", [fed, attended]));
    }
}
