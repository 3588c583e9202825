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
/// <param name="FitRemaining">Estimated time to the end of the run (validation included, at the last epoch's pace).</param>
/// <param name="TrainingLoss">Mean training loss of the epoch's batches so far.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, long Batch, long BatchesPerEpoch, long Rows, double RowsPerSecond,
    TimeSpan Elapsed, TimeSpan EpochRemaining, TimeSpan FitRemaining, double TrainingLoss)
{
    /// <summary>The share of this epoch's batches done, 0 to 1.</summary>
    public double EpochFraction => BatchesPerEpoch == 0 ? 1 : Math.Min(1, (double)Batch / BatchesPerEpoch);
}
