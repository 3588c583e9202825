using BigModel.MLNet.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Cnn;

/// <summary>
/// ResNet's basic block: conv 3×3 → BN → ReLU → conv 3×3 → BN, plus the input (through a 1×1 conv and BN when the
/// shape changes), then ReLU.
/// </summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Sequential main;
    private readonly Sequential? shortcut;

    public ResidualBlock(long inputs, long outputs, long stride) : base(nameof(ResidualBlock))
    {
        main = nn.Sequential(
            ("conv1", nn.Conv2d(inputs, outputs, 3, stride: stride, padding: 1, bias: false)),
            ("bn1", nn.BatchNorm2d(outputs)),
            ("relu", nn.ReLU()),
            ("conv2", nn.Conv2d(outputs, outputs, 3, padding: 1, bias: false)),
            ("bn2", nn.BatchNorm2d(outputs)));
        if (stride != 1 || inputs != outputs)
            shortcut = nn.Sequential(("conv", nn.Conv2d(inputs, outputs, 1, stride: stride, bias: false)), ("bn", nn.BatchNorm2d(outputs)));
        RegisterComponents();
    }

    /// <summary>The block's layers in order, for weight import: main path, then the shortcut's (if any).</summary>
    public IEnumerable<nn.Module> Layers => main.children().Concat(shortcut?.children() ?? []);

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var sum = main.call(input).add(shortcut is null ? input : shortcut.call(input), Engine.Scalars.One);
        return nn.functional.relu(sum).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, string input, ModuleExporter export)
    {
        string residual = shortcut is null ? input : export(shortcut, input);
        return graph.AddNode("Relu", [graph.AddNode("Add", [export(main, input), residual])]);
    }
}
