using BigModel.MLNet.Tasks;
using TorchSharp;

namespace BigModel.MLNet.Export;

/// <summary>Turns a trained network plus its task's head into a complete ONNX model.</summary>
internal static class NetworkExport
{
    /// <summary>
    /// The model takes <paramref name="inputName"/> ([rows, <paramref name="width"/>] floats) and produces the task's
    /// standard columns (<c>Score</c>, and <c>Probability</c>/<c>PredictedLabel</c> for classifiers).
    /// </summary>
    public static byte[] ToOnnx(torch.nn.Module network, string inputName, int width, PredictionTask task)
    {
        var graph = new OnnxGraph();
        string input = graph.AddInput(inputName, OnnxElementType.Float, null, width);
        string output = LayerExporter.Export(graph, network, input);
        task.AddOnnxOutputs(graph, output);
        return OnnxModelWriter.Write(graph, "BigModel.MLNet");
    }
}
