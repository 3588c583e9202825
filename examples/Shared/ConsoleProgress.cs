using System.Diagnostics;
using BigModel.MLNet.Engine;

namespace BigModel.MLNet.Examples;

/// <summary>
/// A console progress bar for training: redrawn in place on a terminal; on redirected output (CI logs) one line every
/// 15 seconds instead, so that logs stay short. Pass it as the options' <c>Progress</c>.
/// </summary>
internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private const int Width = 30;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();

    public void Report(TrainingProgress p)
    {
        int filled = (int)Math.Round(p.EpochFraction * Width);
        string text = $"{(p.Stage is null ? "" : p.Stage + ", ")}epoch {p.Epoch}/{p.Epochs} [{new string('#', filled)}{new string('.', Width - filled)}] {p.EpochFraction,4:P0} " +
            $"{p.Rows:N0} rows, {p.RowsPerSecond:N0}/s, loss {p.TrainingLoss:G4}, epoch ends in {p.EpochRemaining:mm\\:ss}, fit in {p.FitRemaining:hh\\:mm\\:ss}";
        if (!Console.IsOutputRedirected)
        {
            bool done = p.Batch >= p.BatchesPerEpoch;
            Console.Write(done ? "\r" + new string(' ', Console.WindowWidth > 0 ? Console.WindowWidth - 1 : 120) + "\r" : "\r  " + text);
        }
        else if (_sinceLine.Elapsed > TimeSpan.FromSeconds(15))
        {
            Console.WriteLine("  " + text);
            _sinceLine.Restart();
        }
    }
}
