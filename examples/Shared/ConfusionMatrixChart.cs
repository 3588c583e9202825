using Microsoft.ML.Data;
using ScottPlot;

namespace BigModel.MLNet.Examples;

/// <summary>A confusion matrix as a PNG heatmap: true classes down, predicted classes across, each cell's count written in it.</summary>
internal static class ConfusionMatrixChart
{
    public static void Save(ConfusionMatrix matrix, IReadOnlyList<string> classes, string path, string title)
    {
        int n = matrix.NumberOfClasses;
        var shares = new double[n, n];
        for (int truth = 0; truth < n; truth++)
        {
            double total = Math.Max(1, matrix.Counts[truth].Sum());
            for (int predicted = 0; predicted < n; predicted++)
                shares[truth, predicted] = matrix.Counts[truth][predicted] / total;
        }
        var plot = new Plot();
        plot.Title(title);
        var heatmap = plot.Add.Heatmap(shares);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap).Label = "share of the true class";
        for (int truth = 0; truth < n; truth++)
        {
            for (int predicted = 0; predicted < n; predicted++)
            {
                var count = plot.Add.Text($"{matrix.Counts[truth][predicted]:0}", predicted, n - 1 - truth);
                count.LabelAlignment = Alignment.MiddleCenter;
                count.LabelFontColor = shares[truth, predicted] > 0.5 ? Colors.Black : Colors.White;
                count.LabelFontSize = n > 12 ? 9 : 13;
            }
        }
        double[] positions = [.. Enumerable.Range(0, n).Select(i => (double)i)];
        string[] names = [.. classes.Take(n).Select(c => c.Length > 14 ? c[..13] + "…" : c)];
        plot.Axes.Bottom.SetTicks(positions, names);
        plot.Axes.Bottom.TickLabelStyle.Rotation = n > 6 ? 45 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = n > 6 ? Alignment.MiddleLeft : Alignment.UpperCenter;
        plot.Axes.Left.SetTicks([.. positions.Reverse()], names);
        plot.Axes.Bottom.Label.Text = "predicted";
        plot.Axes.Left.Label.Text = "true";
        int size = Math.Max(520, 36 * n + 220);
        plot.SavePng(path, size + 120, size);
    }
}
