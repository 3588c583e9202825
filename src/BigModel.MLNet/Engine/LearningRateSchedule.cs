namespace BigModel.MLNet.Engine;

/// <summary>How the learning rate changes over the course of training, step by step.</summary>
public enum LearningRateSchedule
{
    /// <summary>The configured rate throughout.</summary>
    Constant,
    /// <summary>Linear warm-up over <see cref="TrainingOptions.WarmupFraction"/> of the steps, then cosine decay to zero.</summary>
    CosineWithWarmup,
    /// <summary>Smith's one-cycle policy: rise to the configured rate (as the peak) over the warm-up fraction, then cosine
    /// annealing to a tiny rate.</summary>
    OneCycle,
}
