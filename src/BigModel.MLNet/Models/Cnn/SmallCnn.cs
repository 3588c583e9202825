using BigModel.MLNet.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Cnn;

/// <summary>
/// The small CNN preset: the flat pixel vector reshaped to [rows, channels, height, width] (and normalised, see
/// <see cref="ImageInput"/>), then per block
/// conv 3×3 → batch norm → ReLU → max-pool 2×2, then dropout → dense → ReLU → dropout → output logits.
/// </summary>
internal sealed class SmallCnn : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly ImageInput input;
    private readonly Sequential body;

    public SmallCnn(CnnOptions options, int outputs) : base(nameof(SmallCnn))
    {
        input = new ImageInput(options);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long channels = options.ImageChannels, height = options.ImageHeight, width = options.ImageWidth;
        for (int i = 0; i < options.Filters.Length; i++)
        {
            layers.Add(($"conv{i}", nn.Conv2d(channels, options.Filters[i], 3, padding: 1, bias: false)));
            layers.Add(($"norm{i}", nn.BatchNorm2d(options.Filters[i])));
            layers.Add(($"relu{i}", nn.ReLU()));
            layers.Add(($"pool{i}", nn.MaxPool2d(2)));
            (channels, height, width) = (options.Filters[i], height / 2, width / 2);
        }
        layers.Add(("flatten", nn.Flatten()));
        layers.Add(("dropout", nn.Dropout(options.DropoutRate)));
        layers.Add(("dense", nn.Linear(channels * height * width, options.DenseUnits)));
        layers.Add(("dense_relu", nn.ReLU()));
        layers.Add(("dense_dropout", nn.Dropout(options.DropoutRate)));
        layers.Add(("output", nn.Linear(options.DenseUnits, outputs)));
        body = nn.Sequential(layers);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        using var images = input.call(pixels);
        return body.call(images);
    }

    public string ExportOnnx(OnnxGraph graph, string pixels, ModuleExporter export) => export(body, export(input, pixels));
}
