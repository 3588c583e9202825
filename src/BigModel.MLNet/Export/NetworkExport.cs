using BigModel.MLNet.Glue.Inputs;
using BigModel.MLNet.Models;
using BigModel.MLNet.Tasks;

namespace BigModel.MLNet.Export;

/// <summary>Turns a trained network plus its task's head into a complete ONNX model.</summary>
internal static class NetworkExport
{
    /// <summary>
    /// The model takes one input per model input column (named after it) and produces the task's standard columns
    /// (<c>Score</c>, and <c>Probability</c>/<c>PredictedLabel</c> for classifiers).
    /// </summary>
    public static byte[] ToOnnx(BuiltNetwork network, IReadOnlyList<ResolvedInput> inputs, PredictionTask task)
    {
        var graph = new OnnxGraph();
        var values = inputs.Select(input => input.Input.DeclareOnnx(graph, input.Size)).ToList();
        task.AddOnnxOutputs(graph, network.ExportOnnx(graph, values));
        return OnnxModelWriter.Write(graph, "BigModel.MLNet");
    }
}
