using Microsoft.ML;

namespace BigModel.MLNet.Tuning;

/// <summary>The ML.NET metric a tuner optimises, computed on the validation data with ML.NET's own evaluators.</summary>
public enum TuningMetric
{
    /// <summary>Regression: root mean squared error (lower is better).</summary>
    RootMeanSquaredError,
    /// <summary>Regression: mean absolute error (lower is better).</summary>
    MeanAbsoluteError,
    /// <summary>Regression: R² (higher is better).</summary>
    RSquared,
    /// <summary>Binary classification: accuracy.</summary>
    Accuracy,
    /// <summary>Binary classification: area under the ROC curve.</summary>
    AreaUnderRocCurve,
    /// <summary>Binary classification: F1 of the positive class.</summary>
    F1Score,
    /// <summary>Binary classification: log-loss (lower is better).</summary>
    LogLoss,
    /// <summary>Multiclass classification: micro accuracy.</summary>
    MicroAccuracy,
    /// <summary>Multiclass classification: macro accuracy (the mean of the per-class recalls).</summary>
    MacroAccuracy,
    /// <summary>Multiclass classification: macro-F1 (the mean of the per-class F1 scores).</summary>
    MacroF1,
    /// <summary>Multiclass classification: log-loss (lower is better).</summary>
    MulticlassLogLoss,
}

/// <summary>How each <see cref="TuningMetric"/> is computed and which way is better.</summary>
internal static class TuningMetrics
{
    public static bool LowerIsBetter(TuningMetric metric) =>
        metric is TuningMetric.RootMeanSquaredError or TuningMetric.MeanAbsoluteError or TuningMetric.LogLoss or TuningMetric.MulticlassLogLoss;

    /// <summary>The metric of <paramref name="scored"/> (a model's output on the validation data).</summary>
    public static double Evaluate(MLContext context, TuningMetric metric, IDataView scored, string labelColumn)
    {
        switch (metric)
        {
            case TuningMetric.RootMeanSquaredError or TuningMetric.MeanAbsoluteError or TuningMetric.RSquared:
                var regression = context.Regression.Evaluate(scored, labelColumn);
                return metric switch
                {
                    TuningMetric.RootMeanSquaredError => regression.RootMeanSquaredError,
                    TuningMetric.MeanAbsoluteError => regression.MeanAbsoluteError,
                    _ => regression.RSquared,
                };
            case TuningMetric.Accuracy or TuningMetric.AreaUnderRocCurve or TuningMetric.F1Score or TuningMetric.LogLoss:
                var binary = context.BinaryClassification.Evaluate(scored, labelColumn);
                return metric switch
                {
                    TuningMetric.Accuracy => binary.Accuracy,
                    TuningMetric.AreaUnderRocCurve => binary.AreaUnderRocCurve,
                    TuningMetric.F1Score => binary.F1Score,
                    _ => binary.LogLoss,
                };
            default:
                var multiclass = context.MulticlassClassification.Evaluate(scored, labelColumn);
                return metric switch
                {
                    TuningMetric.MicroAccuracy => multiclass.MicroAccuracy,
                    TuningMetric.MacroAccuracy => multiclass.MacroAccuracy,
                    TuningMetric.MulticlassLogLoss => multiclass.LogLoss,
                    _ => Enumerable.Range(0, multiclass.ConfusionMatrix.NumberOfClasses).Average(c =>
                    {
                        double p = multiclass.ConfusionMatrix.PerClassPrecision[c], r = multiclass.ConfusionMatrix.PerClassRecall[c];
                        return p + r == 0 ? 0 : 2 * p * r / (p + r);
                    }),
                };
        }
    }
}
