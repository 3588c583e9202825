namespace BigModel.MLNet.Engine;

/// <summary>The metrics of every epoch of one training run, and how the run ended.</summary>
public sealed class TrainingHistory
{
    /// <summary>The record of a run (for runs in stages: see <see cref="Then"/>).</summary>
    public TrainingHistory(IReadOnlyList<EpochMetrics> epochs, int? bestEpoch, bool stoppedEarly, string device)
    {
        Epochs = epochs;
        BestEpoch = bestEpoch;
        StoppedEarly = stoppedEarly;
        Device = device;
    }

    /// <summary>One entry per completed epoch, in order.</summary>
    public IReadOnlyList<EpochMetrics> Epochs { get; }

    /// <summary>
    /// The epoch whose weights the model kept, when early stopping chose it; null when the last epoch's were kept
    /// (without early stopping, or after <see cref="TrainingOptions.RefitOnEveryRow"/>'s refit).
    /// </summary>
    public int? BestEpoch { get; }

    /// <summary>Whether early stopping ended training before the configured number of epochs.</summary>
    public bool StoppedEarly { get; }

    /// <summary>The device that trained the model, e.g. <c>cpu</c> or <c>cuda:0</c>.</summary>
    public string Device { get; }

    /// <summary>
    /// This run's epochs followed by <paramref name="next"/>'s, numbered on (each keeps its
    /// <see cref="EpochMetrics.Stage"/>); the best epoch is <paramref name="next"/>'s when <paramref name="keepNext"/>,
    /// otherwise this run's.
    /// </summary>
    public TrainingHistory Then(TrainingHistory next, bool keepNext)
    {
        var epochs = Epochs.Concat(next.Epochs.Select(e => e with { Epoch = e.Epoch + Epochs.Count })).ToList();
        int? best = keepNext ? next.BestEpoch is int b ? b + Epochs.Count : null : BestEpoch ?? Epochs.Count;
        return new TrainingHistory(epochs, best, next.StoppedEarly, Device);
    }

    /// <summary>Mean training rows per second over all epochs.</summary>
    public double RowsPerSecond =>
        Epochs.Sum(e => e.Rows) / Math.Max(Epochs.Sum(e => e.Duration.TotalSeconds), 1e-9);
}
