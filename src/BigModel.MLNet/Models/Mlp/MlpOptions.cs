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
        OptionChecks.Column(LabelColumnName, nameof(LabelColumnName));
        OptionChecks.Column(FeatureColumnName, nameof(FeatureColumnName));
        OptionChecks.Each(HiddenLayers, nameof(HiddenLayers), 1, MaxUnits, required: false);
        if (HiddenLayers is null)
            throw new ArgumentOutOfRangeException(nameof(HiddenLayers), "HiddenLayers must be a list of widths (empty for a linear model).");
        OptionChecks.Defined(Activation, nameof(Activation));
        OptionChecks.Fraction(DropoutRate, nameof(DropoutRate));
    }

    /// <summary>The widest layer an option may ask for.</summary>
    public const int MaxUnits = 65_536;
}
