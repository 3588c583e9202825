using BigModel.MLNet.Engine;
using ScottPlot;

namespace BigModel.MLNet.Examples;

/// <summary>
/// A model's training curves as a PNG drawn with ScottPlot: training and validation loss on the left axis, validation
/// accuracy on the right, epochs along the bottom, the kept (best) epoch marked, and the stages of staged runs shaded.
/// </summary>
internal static class TrainingCurvesChart
{
    public static void Save(TrainingHistory history, string path, string title)
    {
        var plot = new Plot();
        plot.Title(title);
        double[] epochs = [.. history.Epochs.Select(e => (double)e.Epoch)];
        var training = plot.Add.Scatter(epochs, [.. history.Epochs.Select(e => e.TrainingLoss)]);
        training.LegendText = "training loss";
        if (history.Epochs.Any(e => e.ValidationLoss is not null))
        {
            var validation = plot.Add.Scatter(epochs, [.. history.Epochs.Select(e => e.ValidationLoss ?? double.NaN)]);
            validation.LegendText = "validation loss";
        }
        if (history.Epochs.Any(e => e.ValidationAccuracy is not null))
        {
            var accuracy = plot.Add.Scatter(epochs, [.. history.Epochs.Select(e => e.ValidationAccuracy ?? double.NaN)]);
            accuracy.LegendText = "validation accuracy";
            accuracy.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "accuracy";
            plot.Axes.SetLimitsY(0, 1, plot.Axes.Right);
        }
        foreach (var stage in history.Epochs.Where(e => e.Stage is not null).GroupBy(e => e.Stage).Skip(1))
        {
            var boundary = plot.Add.VerticalLine(stage.First().Epoch - 0.5, pattern: LinePattern.Dotted);
            boundary.LabelText = stage.Key!;
        }
        if (history.BestEpoch is int best)
        {
            var kept = plot.Add.VerticalLine(best, color: Colors.Gray);
            kept.LegendText = $"kept: epoch {best}";
        }
        plot.Axes.Bottom.Label.Text = "epoch";
        plot.Axes.Left.Label.Text = "loss";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 520);
    }
}
