using System.Diagnostics;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Turns training batches into <see cref="TrainingProgress"/> reports: to <see cref="TrainingOptions.Progress"/> at most
/// every quarter second (and after an epoch's last batch), and to the log every half minute of a long epoch. Reading
/// the running loss is the only host sync of a training epoch, and happens only when a report is due.
/// </summary>
internal sealed class ProgressReporter(TrainingOptions options, Action<string> log, long batchesPerEpoch)
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(0.25), LogEvery = TimeSpan.FromSeconds(30);
    private readonly Stopwatch _epochClock = new();
    private TimeSpan _lastReport, _lastLog;
    private TimeSpan? _lastEpoch;
    private int _epoch;
    private int? _bestEpoch;

    /// <summary>Starts epoch <paramref name="epoch"/>; <paramref name="bestEpoch"/> is early stopping's best so far, which sizes a refit that follows.</summary>
    public void StartEpoch(int epoch, int? bestEpoch)
    {
        _epoch = epoch;
        _bestEpoch = bestEpoch;
        _lastReport = _lastLog = TimeSpan.Zero;
        _epochClock.Restart();
    }

    /// <summary>Records the epoch's whole duration (validation included), which paces the estimate for the epochs left.</summary>
    public void EndEpoch(TimeSpan duration) => _lastEpoch = duration;

    /// <summary>After a training batch: reports when one is due.</summary>
    public void Batch(long batch, RunningTotals totals)
    {
        var elapsed = _epochClock.Elapsed;
        bool last = batch >= batchesPerEpoch;
        bool report = options.Progress is not null && (last || elapsed - _lastReport >= ReportEvery);
        bool logged = elapsed - _lastLog >= LogEvery && !last;
        if (!report && !logged)
            return;
        double fraction = Math.Min(1, (double)batch / Math.Max(1, batchesPerEpoch));
        var epochRemaining = fraction > 0 ? elapsed / fraction - elapsed : TimeSpan.Zero;
        var perEpoch = _lastEpoch ?? (fraction > 0 ? elapsed / fraction : TimeSpan.Zero);
        // A refit trains as many epochs as early stopping keeps, each about one of these: it trains the validation rows
        // too, and validates nothing.
        int refitEpochs = options.RefitFollows ? _bestEpoch ?? _epoch : 0;
        var fitRemaining = epochRemaining + perEpoch * (options.Epochs - _epoch + refitEpochs);
        var progress = new TrainingProgress(_epoch, options.Epochs, batch, batchesPerEpoch, totals.Rows,
            totals.Rows / Math.Max(elapsed.TotalSeconds, 1e-9), elapsed, epochRemaining, fitRemaining, totals.MeanLoss)
        {
            Stage = options.Stage,
        };
        if (report)
        {
            _lastReport = elapsed;
            options.Progress!.Report(progress);
        }
        if (logged)
        {
            _lastLog = elapsed;
            log($"Epoch {_epoch}: {fraction:P0} ({progress.Rows:N0} rows, {progress.RowsPerSecond:N0} rows/s), training loss {progress.TrainingLoss:G5}, " +
                $"epoch ends in {epochRemaining:hh\\:mm\\:ss}, the fit in {fitRemaining:hh\\:mm\\:ss}.");
        }
    }
}
