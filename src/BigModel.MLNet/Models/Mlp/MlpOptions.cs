using BigModel.MLNet.Engine;
using Microsoft.ML.SearchSpace;

namespace BigModel.MLNet.Models.Mlp;

/// <summary>Options of the multi-layer perceptron trainers: columns, architecture, and how to train.</summary>
public sealed class MlpOptions : TrainingOptions
{
    /// <summary>
    /// Tabular defaults: a tenth of the training data validates every epoch (<see cref="ValidationFraction"/>), and
    /// training stops after 5 epochs without improvement and keeps the best epoch's weights
    /// (<see cref="TrainingOptions.EarlyStoppingPatience"/>). On the shared tabular datasets this beat training on every
    /// row for all epochs (docs/quality.md). A fresh network then trains on every row for the epochs kept
    /// (<see cref="TrainingOptions.RefitOnEveryRow"/>), so the held-out tenth teaches the model too: twice the training,
    /// for a lower error on small sets and a little on most of the report's rows (docs/benchmarks.md). Validation data
    /// passed to <c>Fit</c>, or a <see cref="TrainingOptions.ValidationColumnName"/>, replaces the held-out tenth; to
    /// train on every row for every epoch, call <see cref="TrainingOptionsExtensions.OnEveryRow{T}(T)"/>. The weights
    /// are averaged over about the last epoch's steps (<see cref="WeightAveragingHalfLife"/> = 1), which steadied the
    /// shared regression sets most (docs/benchmarks.md).
    /// </summary>
    public MlpOptions()
    {
        EarlyStoppingPatience = 5;
        RefitOnEveryRow = true;
    }

    /// <inheritdoc />
    [Range(0.0, 0.5, init: 0.1)]
    public override double ValidationFraction { get; set; } = 0.1;

    /// <inheritdoc />
    /// <remarks>Searched from a quarter of an epoch to four epochs; a search that should also try training without the
    /// average can add the choice, e.g. <c>space.Choose(nameof(WeightAveragingHalfLife), 1.0, null)</c>.</remarks>
    [Range(0.25, 4.0, init: 1.0, logBase: true)]
    public override double? WeightAveragingHalfLife { get; set; } = 1;

    /// <summary>The label column: <c>Single</c> for regression, <c>Boolean</c> for binary, a key for multiclass.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The numeric feature column: a known-size vector of <c>Single</c>.</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>
    /// Categorical columns as keys (from <c>MapValueToKey</c>), each learned as an embedding beside the numeric features
    /// (entity embeddings) instead of one-hot columns. A key the mapping never saw (0) has an embedding of its own.
    /// </summary>
    public string[] CategoricalColumnNames { get; set; } = [];

    /// <summary>
    /// One-hot categories inside the feature vector (the slot ranges <c>OneHotEncoding</c> marks and <c>Concatenate</c>
    /// keeps, the annotation LightGBM reads too) are learned as embeddings, as <see cref="CategoricalColumnNames"/> are,
    /// instead of being standardised like numbers; the other slots get <see cref="NumericEncoding"/>. On by default: on
    /// the shared tabular sets it brought the one-hot pipeline to the key columns' quality (docs/benchmarks.md).
    /// Tuning searches it both ways (a <c>[BooleanChoice]</c> starting on).
    /// </summary>
    [BooleanChoice(defaultValue: true)]
    public bool EmbedOneHotSlots { get; set; } = true;

    /// <summary>
    /// How the numeric features are encoded inside the network, from the training data (saved with the model), so that
    /// unnormalised, skewed or heavy-tailed inputs train well without preparation; harmless for normalised ones.
    /// </summary>
    public NumericEncoding NumericEncoding { get; set; } = NumericEncoding.QuantileBins;

    /// <summary>With <see cref="Mlp.NumericEncoding.QuantileBins"/>: the most bins per numeric feature (fewer for features
    /// with fewer distinct values). Wide vectors get fewer: the bins of all features together stay within 8,192 values
    /// (every feature's bins halve until they fit), and a vector too wide for 2 bins a feature (thousands of features,
    /// such as a bag of words) keeps its standardised values only.</summary>
    [Range(2, 128, init: 32, logBase: true)]
    public int QuantileBins { get; set; } = 32;

    /// <summary>Units of each hidden layer, input side first.</summary>
    public int[] HiddenLayers { get; set; } = [128, 64];

    /// <summary>The activation after each hidden layer.</summary>
    public MlpActivation Activation { get; set; } = MlpActivation.ReLU;

    /// <summary>Dropout probability after each hidden layer (training only).</summary>
    [Range(0.0, 0.5, init: 0.0)]
    public double DropoutRate { get; set; }

    /// <summary>
    /// Batch normalisation after each hidden layer's linear map. Null (the default) decides by task: on for
    /// classification, where it raised the mean accuracy on 11 of 16 outside sets and cost the others at most 0.4
    /// points (docs/benchmarks.md), off for regression, where it moved the error both ways; and off where a training batch
    /// would hold a single row (<see cref="TrainingOptions.BatchSize"/> 1, or one training row), which batch
    /// normalisation cannot train on. Not searched by default; a search can add it, e.g.
    /// <c>space.Choose(nameof(UseBatchNorm), true, false)</c>.
    /// </summary>
    public bool? UseBatchNorm { get; set; }

    /// <summary>
    /// Networks trained at once as one ensemble (TabM-mini, Gorishniy et al., 2024); 1 is a single network. The members
    /// share the hidden layers; each reads the features through its own learned per-feature scale and has its own
    /// output layer, is trained on every row, and the predictions are averaged (probabilities for classification).
    /// Each member adds one input-width scale and one output layer of parameters, and every row passes the hidden layers
    /// once per member. With the defaults, 8 members lowered the RMSE of the quality report's taxi, California and red
    /// wine rows and raised Adult's accuracy on each of four seeds, for 1.7–4 times the training time; Fashion-MNIST's
    /// pixels, and red wine with 100 epochs, did not gain (docs/benchmarks.md, "Tabular MLP: an ensemble trained as one
    /// network"). 1 trains fastest.
    /// </summary>
    [Range(1, 32, init: 8, logBase: true)]
    public int EnsembleSize { get; set; } = 8;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionChecks.Column(LabelColumnName, nameof(LabelColumnName));
        OptionChecks.Column(FeatureColumnName, nameof(FeatureColumnName));
        if (CategoricalColumnNames is null)
            throw new ArgumentOutOfRangeException(nameof(CategoricalColumnNames), "CategoricalColumnNames must be a list (empty for none).");
        foreach (string column in CategoricalColumnNames)
            OptionChecks.Column(column, nameof(CategoricalColumnNames));
        OptionChecks.Each(HiddenLayers, nameof(HiddenLayers), 1, MaxUnits, required: false);
        if (HiddenLayers is null)
            throw new ArgumentOutOfRangeException(nameof(HiddenLayers), "HiddenLayers must be a list of widths (empty for a linear model).");
        OptionChecks.Defined(Activation, nameof(Activation));
        OptionChecks.Defined(NumericEncoding, nameof(NumericEncoding));
        OptionChecks.Range(QuantileBins, nameof(QuantileBins), 2, 1024);
        OptionChecks.Fraction(DropoutRate, nameof(DropoutRate));
        OptionChecks.Range(EnsembleSize, nameof(EnsembleSize), 1, MaxEnsembleSize);
    }

    /// <summary>The most members <see cref="EnsembleSize"/> may ask for.</summary>
    public const int MaxEnsembleSize = 256;

    /// <summary>The widest layer an option may ask for.</summary>
    public const int MaxUnits = 65_536;
}
