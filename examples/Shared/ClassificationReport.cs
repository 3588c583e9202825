using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Examples;

/// <summary>What the classification examples print: accuracy, macro-F1, the confusion matrix, and a chart of the training curves.</summary>
internal static class ClassificationReport
{
    /// <summary>
    /// Prints the report, writes <c>{name}-curves.png</c> (training curves) and <c>{name}-confusion.png</c> (the
    /// confusion matrix, classes named from the scored data's key values), and returns the macro-F1.
    /// </summary>
    public static double Print(MulticlassClassificationMetrics metrics, IDataView scored, DeepPredictionTransformer model, double minutes, string name)
    {
        var matrix = metrics.ConfusionMatrix;
        double macroF1 = MacroF1(metrics);
        Console.WriteLine($"accuracy {metrics.MicroAccuracy:F4}   macro-F1 {macroF1:F4}   ({minutes:F1} min training)");
        Console.WriteLine(matrix.GetFormattedConfusionTable());
        string curves = Path.GetFullPath($"{name}-curves.png"), confusion = Path.GetFullPath($"{name}-confusion.png");
        TrainingCurvesChart.Save(model.History, curves, $"{name}: training curves");
        ConfusionMatrixChart.Save(matrix, ClassNames(scored), confusion, $"{name}: accuracy {metrics.MicroAccuracy:P1} on the test set");
        Console.WriteLine($"Charts: {curves}, {confusion}");
        return macroF1;
    }

    /// <summary>The class names a classifier's <c>PredictedLabel</c> key carries.</summary>
    private static string[] ClassNames(IDataView scored)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        scored.Schema["PredictedLabel"].GetKeyValues(ref names);
        return [.. names.DenseValues().Select(n => n.ToString())];
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
