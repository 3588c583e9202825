using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Mlp;
using Microsoft.ML.SearchSpace;

namespace BigModel.MLNet.Models.Cnn;

/// <summary>Options of the small convolutional image model: columns, image shape, architecture, augmentation, training.</summary>
public sealed class CnnOptions : TrainingOptions
{
    /// <summary>The label column (a key for multiclass classification).</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The image column: a known-size <c>Single</c> vector of Channels × Height × Width pixels in channel-major
    /// order, as <c>ExtractPixels</c> and <c>LoadIdx</c> produce.</summary>
    public string FeatureColumnName { get; set; } = "Image";

    /// <summary>Colour channels (1 for grey, 3 for RGB).</summary>
    public int ImageChannels { get; set; } = 1;

    /// <summary>Image height in pixels.</summary>
    public int ImageHeight { get; set; } = 28;

    /// <summary>Image width in pixels.</summary>
    public int ImageWidth { get; set; } = 28;

    /// <summary>The network: the small preset or ResNet-18.</summary>
    public CnnArchitecture Architecture { get; set; } = CnnArchitecture.Small;

    /// <summary>ResNet-18's stem (ignored by the small preset).</summary>
    public ResNetStem ResNetStem { get; set; } = ResNetStem.Auto;

    /// <summary>Per-channel means subtracted from the pixels inside the network (e.g. ImageNet's 0.485, 0.456, 0.406 for a
    /// pretrained backbone); null for none. Give <see cref="ChannelStd"/> too.</summary>
    public float[]? ChannelMean { get; set; }

    /// <summary>Per-channel standard deviations the centred pixels are divided by (ImageNet: 0.229, 0.224, 0.225).</summary>
    public float[]? ChannelStd { get; set; }

    /// <summary>
    /// An ImageNet ResNet-18 in ONNX form to start from (transfer learning), e.g. <c>DnnImageModels/ResNet18Onnx/ResNet18.onnx</c>
    /// from the NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>; null trains from scratch. Needs
    /// <see cref="CnnArchitecture.ResNet18"/> and 3 × 224 × 224 images prepared as that model expects (for ML.NET's:
    /// B, G, R planes of 0–255 values with <see cref="ChannelMean"/> = 103.06, 115.90, 123.15 and <see cref="ChannelStd"/> = 1).
    /// The head is new.
    /// </summary>
    public string? PretrainedModelPath { get; set; }

    /// <summary>
    /// With pretrained weights: epochs of the probe stage, in which only the new head trains, on backbone features
    /// computed once (cheap); with validation data it stops early. Then <see cref="TrainingOptions.Epochs"/> epochs fine-tune
    /// the whole network (see <see cref="BackboneLearningRateScale"/>).
    /// </summary>
    [Range(1, 200, init: 50, logBase: true)]
    public int ProbeEpochs { get; set; } = 50;

    /// <summary>With pretrained weights: keep the backbone's batch-norm statistics (ImageNet's) while fine-tuning, as
    /// Keras's transfer-learning guide advises, instead of normalising with each small training batch. The probe's head
    /// learned on features normalised with those statistics; batch statistics of 8–16 photos (or of images smaller than
    /// ImageNet's 224 pixels) shift the features it learned on: on the sign-language digits at 128 pixels, fine-tuning
    /// then started at 2.9 training loss instead of 0.76.</summary>
    [BooleanChoice(defaultValue: true)]
    public bool FreezeBatchNormStatistics { get; set; } = true;

    /// <summary>With pretrained weights: the learning rate of the backbone's last stage in fine-tuning, as a multiple of
    /// <see cref="TrainingOptions.LearningRate"/> (earlier stages get half each); 0 keeps the backbone as it is (probe only).</summary>
    [Range(0.0, 1.0, init: 0.1)]
    public double BackboneLearningRateScale { get; set; } = 0.1;

    /// <summary>
    /// Test-time augmentation: score each image and its horizontal mirror image and average the two outputs (in
    /// <c>Transform</c>, saved models and ONNX exports; scoring costs twice the work). For photos, where a mirror image
    /// shows the same thing; not for digits, text or other images whose meaning has a handedness. Training and its
    /// validation metrics see single images.
    /// </summary>
    [BooleanChoice(defaultValue: false)]
    public bool TestTimeFlip { get; set; }

    /// <summary>Filters of each conv–batch-norm–ReLU–max-pool block of the small preset; each block halves height and width.</summary>
    public int[] Filters { get; set; } = [32, 64];

    /// <summary>Units of the dense layer before the output.</summary>
    [Range(16, 1024, init: 128, logBase: true)]
    public int DenseUnits { get; set; } = 128;

    /// <summary>Dropout before each dense layer (training only).</summary>
    [Range(0.0, 0.7, init: 0.25)]
    public double DropoutRate { get; set; } = 0.25;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionChecks.Column(LabelColumnName, nameof(LabelColumnName));
        OptionChecks.Column(FeatureColumnName, nameof(FeatureColumnName));
        OptionChecks.Range(ImageChannels, nameof(ImageChannels), 1, 64);
        OptionChecks.Range(ImageHeight, nameof(ImageHeight), 1, 8192);
        OptionChecks.Range(ImageWidth, nameof(ImageWidth), 1, 8192);
        OptionChecks.Defined(Architecture, nameof(Architecture));
        OptionChecks.Defined(ResNetStem, nameof(ResNetStem));
        OptionChecks.Each(Filters, nameof(Filters), 1, 4096);
        if (Architecture == CnnArchitecture.Small && (ImageHeight >> Filters.Length < 1 || ImageWidth >> Filters.Length < 1))
            throw new ArgumentOutOfRangeException(nameof(Filters), $"{Filters.Length} pooling blocks shrink a {ImageHeight}×{ImageWidth} image to nothing.");
        OptionChecks.Each(ChannelMean, nameof(ChannelMean), -1e6, 1e6);
        OptionChecks.Each(ChannelStd, nameof(ChannelStd), 0, 1e6, minExclusive: true);
        if ((ChannelMean is null) != (ChannelStd is null)
            || (ChannelMean is not null && (ChannelMean.Length != ImageChannels || ChannelStd!.Length != ImageChannels)))
            throw new ArgumentException($"{nameof(ChannelMean)} and {nameof(ChannelStd)} go together, one value per channel ({ImageChannels}).", nameof(ChannelMean));
        if (PretrainedModelPath is not null && (Architecture != CnnArchitecture.ResNet18 || ImageChannels != 3))
            throw new ArgumentException($"{nameof(PretrainedModelPath)} needs Architecture = ResNet18 and 3 image channels.", nameof(PretrainedModelPath));
        OptionChecks.Range(ProbeEpochs, nameof(ProbeEpochs), 1, MaxEpochs);
        OptionChecks.Range(BackboneLearningRateScale, nameof(BackboneLearningRateScale), 0, 10);
        OptionChecks.Range(DenseUnits, nameof(DenseUnits), 1, MlpOptions.MaxUnits);
        OptionChecks.Fraction(DropoutRate, nameof(DropoutRate));
    }
}
