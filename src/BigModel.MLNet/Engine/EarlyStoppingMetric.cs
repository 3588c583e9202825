namespace BigModel.MLNet.Engine;

/// <summary>The validation quantity early stopping watches.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>The loss on the validation data (lower is better). Works for every task.</summary>
    ValidationLoss,
    /// <summary>Classification accuracy on the validation data (higher is better).</summary>
    ValidationAccuracy,
}
