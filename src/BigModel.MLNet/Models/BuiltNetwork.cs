using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;

namespace BigModel.MLNet.Models;

/// <summary>A freshly built network and how to write it into an ONNX graph.</summary>
/// <param name="Network">What the engine trains.</param>
/// <param name="ExportOnnx">Appends the trained network to a graph, given the names of its input values (in the order
/// of the model's inputs), and returns the name of its output.</param>
/// <param name="Train">How the network trains, for presets with stages of their own (transfer learning); null runs the
/// ordinary loop once.</param>
internal sealed record BuiltNetwork(TrainableNetwork Network, Func<OnnxGraph, IReadOnlyList<string>, string> ExportOnnx,
    Func<TrainingSession, TrainingHistory>? Train = null) : IDisposable
{
    /// <summary>Trains the network in <paramref name="session"/>, in stages where the preset has them.</summary>
    public TrainingHistory TrainIn(TrainingSession session) => Train?.Invoke(session) ?? session.Run(Network);

    /// <summary>A single-input module exported layer by layer.</summary>
    public static BuiltNetwork FromModule(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> module) =>
        new(TrainableNetwork.From(module), (graph, inputs) => LayerExporter.Export(graph, module, inputs[0]));

    public void Dispose() => Network.Module.Dispose();
}
