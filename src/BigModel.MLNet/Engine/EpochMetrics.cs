namespace BigModel.MLNet.Engine;

/// <summary>What one epoch of training measured.</summary>
/// <param name="Epoch">The epoch's number, from 1.</param>
/// <param name="TrainingLoss">Mean loss over the epoch's training batches (weighted by batch size).</param>
/// <param name="ValidationLoss">Mean loss on the validation data, when there is any.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation data, for classification with validation data.</param>
/// <param name="LearningRate">The learning rate at the epoch's last step.</param>
/// <param name="Duration">Wall-clock time of the epoch, validation included.</param>
/// <param name="Rows">Training rows seen in the epoch.</param>
public sealed record EpochMetrics(
    int Epoch,
    double TrainingLoss,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double LearningRate,
    TimeSpan Duration,
    long Rows)
{
    /// <summary>
    /// The stage of a fit in stages that trained the epoch (the names <see cref="TrainingProgress.Stage"/> lists), also
    /// seen by <see cref="TrainingOptions.EpochEnded"/>; null for a fit in one run.
    /// </summary>
    public string? Stage { get; init; }

    /// <summary>
    /// Time the training steps spent waiting for their next batch (reading, converting, copying rows). Compared with
    /// <see cref="Duration"/> it says whether the data feed, not the network, sets the pace.
    /// </summary>
    public TimeSpan FeedWait { get; init; }
}
