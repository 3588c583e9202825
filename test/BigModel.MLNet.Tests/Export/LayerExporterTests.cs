using BigModel.MLNet.Export;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Export;

[TestClass]
public class LayerExporterTests
{
    [TestMethod]
    public void ExportedNetworkMatchesTorchSharpOnTheSameInput()
    {
        torch.manual_seed(7);
        var network = nn.Sequential(
            nn.Linear(6, 16), nn.ReLU(), nn.BatchNorm1d(16), nn.Linear(16, 12), nn.GELU(), nn.LayerNorm(12),
            nn.Dropout(0.3), nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 8), nn.LeakyReLU(0.1), nn.SiLU(), nn.ELU(),
            nn.Linear(8, 3), nn.Sigmoid());
        // Give batch norm non-trivial running statistics, then switch to inference.
        network.train();
        using (var warm = torch.normal(1.0, 3.0, [64, 6])) network.call(warm).Dispose();
        network.eval();

        using var input = torch.randn(5, 6);
        using var expected = network.call(input);

        float[] actual = RunOnnx(network, LayerExporter.ToArray(input), 5, 6, 3);
        CollectionAssert.That.AreClose(LayerExporter.ToArray(expected), actual, 1e-5f);
    }

    [TestMethod]
    public void ExportedConvolutionalNetworkMatchesTorchSharp()
    {
        torch.manual_seed(11);
        var network = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding: 1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 8, 3, stride: 2, padding: 1, bias: false), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4));
        network.train();
        using (var warm = torch.normal(0.5, 2.0, [16, 3, 12, 12])) network.call(warm).Dispose();
        network.eval();
        using var input = torch.randn(2, 3, 12, 12);
        using var expected = network.call(input);

        var graph = new OnnxGraph();
        string x = graph.AddInput("x", OnnxElementType.Float, null, 3, 12, 12);
        graph.AddOutput("y", LayerExporter.Export(graph, network, x), OnnxElementType.Float, null, 4);
        using var session = new InferenceSession(OnnxModelWriter.Write(graph, "test"));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(LayerExporter.ToArray(input), [2, 3, 12, 12]))]);
        CollectionAssert.That.AreClose(LayerExporter.ToArray(expected), results.Single().AsEnumerable<float>().ToArray(), 1e-4f);
    }

    [TestMethod]
    public void UnsupportedLayerIsNamedInTheError()
    {
        var network = nn.Sequential(("dense", nn.Linear(2, 2)), ("pool", nn.AdaptiveAvgPool1d(1)));
        var error = Assert.ThrowsExactly<NotSupportedException>(() => LayerExporter.Export(new OnnxGraph(), network, "x"));
        StringAssert.Contains(error.Message, "AdaptiveAvgPool1d");
    }

    internal static float[] RunOnnx(nn.Module network, float[] input, int rows, int features, int outputs)
    {
        var graph = new OnnxGraph();
        string x = graph.AddInput("x", OnnxElementType.Float, null, features);
        graph.AddOutput("y", LayerExporter.Export(graph, network, x), OnnxElementType.Float, null, outputs);
        using var session = new InferenceSession(OnnxModelWriter.Write(graph, "test"));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(input, [rows, features]))]);
        return results.Single().AsEnumerable<float>().ToArray();
    }
}
