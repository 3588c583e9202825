using BigModel.MLNet.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models;

/// <summary>
/// (x − mean) / std per feature, with the training data's statistics held as buffers (as Keras's <c>Normalization</c>
/// layer adapts): features that arrive unnormalised — counts, prices, seconds — reach the first layer near N(0, 1).
/// Exported to ONNX as Sub and Mul, so saved models standardise too.
/// </summary>
internal sealed class Standardization : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Tensor mean;
    private readonly Tensor inverse_std;

    public Standardization(float[] mean, float[] std) : base(nameof(Standardization))
    {
        this.mean = tensor(mean).DetachFromDisposeScope();
        inverse_std = tensor(std.Select(s => 1 / s).ToArray()).DetachFromDisposeScope();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var centred = input - mean;
        return centred * inverse_std;
    }

    public string ExportOnnx(OnnxGraph graph, string input, ModuleExporter export)
    {
        string centred = graph.AddNode("Sub", [input, graph.AddInitializer("feature_mean", LayerExporter.ToArray(mean), mean.shape)]);
        return graph.AddNode("Mul", [centred, graph.AddInitializer("feature_inverse_std", LayerExporter.ToArray(inverse_std), inverse_std.shape)]);
    }
}
