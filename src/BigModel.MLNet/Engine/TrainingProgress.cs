namespace BigModel.MLNet.Engine;

/// <summary>Where a training run stands, reported after training batches (see <see cref="TrainingOptions.Progress"/>).</summary>
/// <param name="Epoch">The epoch under way, from 1.</param>
/// <param name="Epochs">The epochs the run trains at most.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="BatchesPerEpoch">Batches in an epoch.</param>
/// <param name="Rows">Training rows done in this epoch.</param>
/// <param name="RowsPerSecond">Training rows per second so far in this epoch.</param>
/// <param name="Elapsed">Time since the epoch began.</param>
/// <param name="EpochRemaining">Estimated time to the end of this epoch's training batches.</param>
/// <param name="FitRemaining">Estimated time to the end of the fit (validation included, at the last epoch's pace), as if
/// every epoch left runs: early stopping may end it sooner. In the early-stopping stage of
/// <see cref="TrainingOptions.RefitOnEveryRow"/> it includes the refit, sized by the best epoch so far; a run of other
/// stages (transfer learning, recommenders) estimates the stage under way.</param>
/// <param name="TrainingLoss">Mean training loss of the epoch's batches so far.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, long Batch, long BatchesPerEpoch, long Rows, double RowsPerSecond,
    TimeSpan Elapsed, TimeSpan EpochRemaining, TimeSpan FitRemaining, double TrainingLoss)
{
    /// <summary>
    /// The stage of a fit that trains in stages, which restarts <see cref="Epoch"/> from 1: <c>"early stopping"</c> and
    /// <c>"refit"</c> (<see cref="TrainingOptions.RefitOnEveryRow"/>), <c>"probe"</c> and <c>"fine-tune"</c> (transfer
    /// learning), the recommenders' stages; the names <see cref="EpochMetrics.Stage"/> records. Null for a fit in one run.
    /// </summary>
    public string? Stage { get; init; }

    /// <summary>The share of this epoch's batches done, 0 to 1.</summary>
    public double EpochFraction => BatchesPerEpoch == 0 ? 1 : Math.Min(1, (double)Batch / BatchesPerEpoch);
}
