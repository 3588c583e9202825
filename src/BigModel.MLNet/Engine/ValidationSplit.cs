namespace BigModel.MLNet.Engine;

/// <summary>Which rows <see cref="TrainingOptions.ValidationFraction"/> holds out for validation.</summary>
public enum ValidationSplit
{
    /// <summary>Rows drawn at random (seeded by the context).</summary>
    Random,
    /// <summary>The last rows, in data order: for time-ordered data, where validation must come after training.</summary>
    Tail,
}
