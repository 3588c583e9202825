using Microsoft.ML.Data;

namespace BigModel.MLNet.Examples;

/// <summary>What the classification examples print: accuracy, macro-F1, the confusion matrix, and a chart of the training curves.</summary>
internal static class ClassificationReport
{
    /// <summary>Prints the report, writes <paramref name="chartFile"/>, and returns the macro-F1.</summary>
    public static double Print(MulticlassClassificationMetrics metrics, DeepPredictionTransformer model, double minutes, string chartFile)
    {
        var matrix = metrics.ConfusionMatrix;
        double macroF1 = MacroF1(metrics);
        Console.WriteLine($"accuracy {metrics.MicroAccuracy:F4}   macro-F1 {macroF1:F4}   ({minutes:F1} min training)");
        Console.WriteLine(matrix.GetFormattedConfusionTable());
        string chart = Path.GetFullPath(chartFile);
        TrainingCurvesChart.Save(model.History, chart);
        Console.WriteLine($"Training curves: {chart} (blue: training loss, orange: validation loss, green: validation accuracy; each scaled to its own range)");
        return macroF1;
    }

    /// <summary>The unweighted mean of the per-class F1 scores.</summary>
    public static double MacroF1(MulticlassClassificationMetrics metrics)
    {
        var matrix = metrics.ConfusionMatrix;
        return Enumerable.Range(0, matrix.NumberOfClasses).Average(c =>
        {
            double p = matrix.PerClassPrecision[c], r = matrix.PerClassRecall[c];
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        });
    }
}
