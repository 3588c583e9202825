using BigModel.MLNet.Engine;
using Microsoft.ML.SearchSpace;

namespace BigModel.MLNet.Models.Mlp;

/// <summary>Options of the multi-layer perceptron trainers: columns, architecture, and how to train.</summary>
public sealed class MlpOptions : TrainingOptions
{
    /// <summary>The label column: <c>Single</c> for regression, <c>Boolean</c> for binary, a key for multiclass.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The feature column: a known-size vector of <c>Single</c>.</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>Units of each hidden layer, input side first.</summary>
    public int[] HiddenLayers { get; set; } = [128, 64];

    /// <summary>The activation after each hidden layer.</summary>
    public MlpActivation Activation { get; set; } = MlpActivation.ReLU;

    /// <summary>Dropout probability after each hidden layer (training only).</summary>
    [Range(0.0, 0.5, init: 0.0)]
    public double DropoutRate { get; set; }

    /// <summary>Batch normalisation after each hidden layer's linear map.</summary>
    [BooleanChoice(defaultValue: false)]
    public bool UseBatchNorm { get; set; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (string.IsNullOrWhiteSpace(LabelColumnName))
            throw new ArgumentException($"{nameof(LabelColumnName)} must name a column.", nameof(LabelColumnName));
        if (string.IsNullOrWhiteSpace(FeatureColumnName))
            throw new ArgumentException($"{nameof(FeatureColumnName)} must name a column.", nameof(FeatureColumnName));
        if (HiddenLayers is null || HiddenLayers.Any(units => units < 1))
            throw new ArgumentOutOfRangeException(nameof(HiddenLayers), "Every hidden layer needs at least one unit.");
        if (DropoutRate is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(DropoutRate), DropoutRate, $"{nameof(DropoutRate)} must be in [0, 1).");
    }
}
