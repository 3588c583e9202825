using BigModel.MLNet.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Cnn;

/// <summary>
/// The first step of every image network: the flat pixel column reshaped to [rows, C, H, W], then per-channel
/// (x − mean) / std when the options give statistics (ImageNet's for a pretrained backbone). Part of the network, so
/// training, scoring and the ONNX model all normalise the same way.
/// </summary>
internal sealed class ImageInput : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly long[] _shape;
    private readonly Tensor? mean, std;

    public ImageInput(CnnOptions options) : base(nameof(ImageInput))
    {
        _shape = ShapeOf(options);
        if (options.ChannelMean is { } m && options.ChannelStd is { } s)
        {
            mean = tensor(m, [1, m.Length, 1, 1]);
            std = tensor(s, [1, s.Length, 1, 1]);
        }
        RegisterComponents();
    }

    /// <summary>The image batch's shape, [rows (−1), C, H, W], that the flat pixel rows are reshaped to.</summary>
    public static long[] ShapeOf(CnnOptions options) => [-1, options.ImageChannels, options.ImageHeight, options.ImageWidth];

    public override Tensor forward(Tensor pixels)
    {
        var images = pixels.view(_shape);
        if (mean is null)
            return images;
        using var centred = images - mean;
        return centred / std!;
    }

    public string ExportOnnx(OnnxGraph graph, string input, ModuleExporter export)
    {
        string images = graph.AddNode("Reshape", [input, graph.AddInitializer("image_shape", _shape, _shape.Length)]);
        if (mean is null)
            return images;
        string centred = graph.AddNode("Sub", [images, graph.AddInitializer("channel_mean", LayerExporter.ToArray(mean), mean.shape)]);
        return graph.AddNode("Div", [centred, graph.AddInitializer("channel_std", LayerExporter.ToArray(std!), std!.shape)]);
    }
}
