using BigModel.MLNet.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Cnn;

/// <summary>
/// ResNet-18: a stem, four stages of two residual blocks (64, 128, 256, 512 filters; stages 2–4 halve the size),
/// global average pooling and a linear head. The standard stem (7×7 conv, stride 2, then 3×3 max-pool) suits 224-pixel
/// images; the small-image stem (one 3×3 conv, stride 1) keeps 28–64-pixel images from shrinking to nothing.
/// </summary>
internal sealed class ResNet18 : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly ImageInput input;
    private readonly Sequential stem;
    private readonly Sequential stages;
    private readonly Linear head;

    /// <param name="options">Image shape, stem and normalisation.</param>
    /// <param name="outputs">Width of the head.</param>
    /// <param name="stageBlocks">Residual blocks per stage: 2, 2, 2, 2 for ResNet-18 (null); pretrained files may differ
    /// (ML.NET's featurizer model has 2, 2, 2, 3), see <see cref="PretrainedResNet18.StageBlocks"/>.</param>
    public ResNet18(CnnOptions options, int outputs, int[]? stageBlocks = null) : base(nameof(ResNet18))
    {
        stageBlocks ??= [2, 2, 2, 2];
        input = new ImageInput(options);
        StandardStem = options.ResNetStem == ResNetStem.Standard
            || (options.ResNetStem == ResNetStem.Auto && Math.Min(options.ImageHeight, options.ImageWidth) >= 128);
        stem = StandardStem
            ? nn.Sequential(("conv", nn.Conv2d(options.ImageChannels, 64, 7, stride: 2, padding: 3, bias: false)),
                ("bn", nn.BatchNorm2d(64)), ("relu", nn.ReLU()), ("pool", nn.MaxPool2d(3, stride: 2, padding: 1)))
            : nn.Sequential(("conv", nn.Conv2d(options.ImageChannels, 64, 3, padding: 1, bias: false)),
                ("bn", nn.BatchNorm2d(64)), ("relu", nn.ReLU()));
        var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
        long channels = 64;
        foreach (var (filters, stage) in new long[] { 64, 128, 256, 512 }.Select((f, i) => (f, i)))
        {
            for (int block = 0; block < stageBlocks[stage]; block++)
            {
                blocks.Add(($"stage{stage}_{block}", new ResidualBlock(channels, filters, block == 0 && stage > 0 ? 2 : 1)));
                channels = filters;
            }
        }
        blocks.Add(("pool", nn.AdaptiveAvgPool2d(1)));
        blocks.Add(("flatten", nn.Flatten()));
        stages = nn.Sequential(blocks);
        head = nn.Linear(512, outputs);
        RegisterComponents();
    }

    /// <summary>
    /// Keeps the backbone's batch norms in inference mode even while training, so their (pretrained) running statistics
    /// stay as they are; small fine-tuning batches would otherwise drag them towards their own statistics.
    /// </summary>
    public bool FreezeBatchNormStatistics { get; set; }

    /// <inheritdoc />
    public override void train(bool train = true)
    {
        base.train(train);
        if (train && FreezeBatchNormStatistics)
        {
            foreach (var norm in BackboneLayers.OfType<BatchNorm2d>())
                norm.eval();
        }
    }

    /// <summary>Whether the network uses the 224-pixel (ImageNet) stem.</summary>
    public bool StandardStem { get; }

    /// <summary>The backbone's convolution and batch-norm layers in ImageNet ResNet-18 order (stem, then each block).</summary>
    public IEnumerable<nn.Module> BackboneLayers =>
        stem.children().Concat(stages.children().OfType<ResidualBlock>().SelectMany(b => b.Layers))
            .Where(m => m is Conv2d or BatchNorm2d);

    /// <summary>The new classification head (for the probe stage of transfer learning).</summary>
    public Linear Head => head;

    /// <summary>
    /// Layer-wise learning rates for fine-tuning: the head at the full rate, the last stage at
    /// <paramref name="backboneScale"/> × the rate, each earlier stage (and then the stem) at half the next one's — the
    /// general features near the input change least.
    /// </summary>
    public IReadOnlyList<Engine.ParameterGroup> FineTuneGroups(double backboneScale)
    {
        var blocks = stages.children().OfType<ResidualBlock>().ToList();
        var stageOf = new List<List<TorchSharp.Modules.Parameter>> { stem.parameters().ToList() };
        int perStage = (int)Math.Ceiling(blocks.Count / 4.0);
        stageOf.AddRange(blocks.Chunk(perStage).Select(chunk => chunk.SelectMany(b => b.parameters()).ToList()));
        var groups = stageOf.Select((group, i) => new Engine.ParameterGroup(group, backboneScale * Math.Pow(0.5, stageOf.Count - 1 - i))).ToList();
        groups.Add(new Engine.ParameterGroup(head.parameters().ToList()));
        return groups;
    }

    /// <summary>Pooled 512-wide features, without the head.</summary>
    public Tensor Features(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        return stages.call(stem.call(input.call(pixels))).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor pixels)
    {
        using var features = Features(pixels);
        return head.call(features);
    }

    public string ExportOnnx(OnnxGraph graph, string pixels, ModuleExporter export) =>
        export(head, export(stages, export(stem, export(input, pixels))));
}
