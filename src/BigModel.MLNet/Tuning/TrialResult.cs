namespace BigModel.MLNet.Tuning;

/// <summary>How a trial ended.</summary>
public enum TrialStatus
{
    /// <summary>Trained to the most epochs.</summary>
    Completed,
    /// <summary>Stopped early by successive halving: others did better at its last stage.</summary>
    Pruned,
    /// <summary>Threw; see <see cref="TrialResult.Error"/>.</summary>
    Failed,
    /// <summary>Interrupted by cancellation or the budget.</summary>
    Stopped,
}

/// <summary>The metric a trial reached after a number of epochs.</summary>
/// <param name="Epochs">Epochs trained so far.</param>
/// <param name="Metric">The metric on the validation data then.</param>
public sealed record TrialStage(int Epochs, double Metric);

/// <summary>One trial of a tuning run.</summary>
/// <param name="Id">Its number, from 1, in the order trials started.</param>
/// <param name="Parameters">The values it tried.</param>
/// <param name="Stages">The metric after each stage it trained.</param>
/// <param name="EpochsUsed">Epochs it trained in all.</param>
/// <param name="Seconds">Time it took in all.</param>
/// <param name="Status">How it ended.</param>
/// <param name="Error">For failed trials, what went wrong.</param>
public sealed record TrialResult(int Id, TrialParameters Parameters, IReadOnlyList<TrialStage> Stages, int EpochsUsed, double Seconds,
    TrialStatus Status, string? Error)
{
    /// <summary>The metric of its last stage, or null when it never finished one.</summary>
    public double? Metric => Stages.Count == 0 ? null : Stages[^1].Metric;
}

/// <summary>What a tuning run found.</summary>
public sealed class TuningResult(TuningMetric metric, IReadOnlyList<TrialResult> trials, TrialResult? best, TrialStage? bestStage,
    Microsoft.ML.ITransformer? bestModel, int maxEpochs)
{
    /// <summary>The metric optimised.</summary>
    public TuningMetric Metric { get; } = metric;

    /// <summary>Every trial, in the order they started.</summary>
    public IReadOnlyList<TrialResult> Trials { get; } = trials;

    /// <summary>The trial whose stage validated best (<see cref="BestStage"/>), or null when none finished a stage.</summary>
    public TrialResult? BestTrial { get; } = best;

    /// <summary>The stage that validated best: the best trial after <see cref="TrialStage.Epochs"/> epochs, which may be
    /// fewer than it went on to train when its later stages validated worse.</summary>
    public TrialStage? BestStage { get; } = bestStage;

    /// <summary>The best trial's values.</summary>
    public TrialParameters? BestParameters => BestTrial?.Parameters;

    /// <summary>The best stage's metric.</summary>
    public double? BestMetric => BestStage?.Metric;

    /// <summary>The best stage's fitted pipeline.</summary>
    public Microsoft.ML.ITransformer? BestModel { get; } = bestModel;

    /// <summary>Epochs trained by all trials together.</summary>
    public int EpochsSpent => Trials.Sum(t => t.EpochsUsed);

    /// <summary>Epochs that training every trial to the most epochs would have cost.</summary>
    public int EpochsWithoutPruning => Trials.Count(t => t.Status != TrialStatus.Failed) * maxEpochs;
}
