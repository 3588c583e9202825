using System.Diagnostics;
using BigModel.MLNet.Models.Mlp;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Examples.Quality;

/// <summary>
/// Tabular data: LightGBM (ML.NET's strongest one-line tabular baseline) against the MLP as a new user writes it
/// (defaults, on the same one-hot features) and with the README's recommended settings.
/// </summary>
internal static class TabularSuite
{
    public static void Run(TabularSet set, Report report)
    {
        var ml = new MLContext(seed: 1);
        ExampleArguments.ShowTrainingLog(ml, "Mlp");
        // What every model sees: missing numbers replaced by the column mean (the MLP refuses NaN); categories one-hot.
        IEstimator<ITransformer> numbers = ml.Transforms.ReplaceMissingValues("Numbers");
        var oneHot = set.Categories.Aggregate(numbers, (chain, c) => chain.Append(ml.Transforms.Categorical.OneHotEncoding(c)));
        var features = oneHot.Append(ml.Transforms.Concatenate("Features", ["Numbers", .. set.Categories]));

        var (baselineMetric, _) = Evaluate(ml, set, features.Append(set.Classification
            ? ml.BinaryClassification.Trainers.LightGbm()
            : (IEstimator<ITransformer>)ml.Regression.Trainers.LightGbm()));

        var defaults = set.Classification ? ml.Deep().BinaryClassification.Mlp() : ml.Deep().Regression.Mlp();
        Add("MLP, defaults", features.Append(defaults));

        // The README's tabular recipe: categories as keys learned as embeddings, validation with early stopping.
        var recommended = new MlpOptions
        {
            FeatureColumnName = "Numbers", CategoricalColumnNames = set.Categories,
            ValidationFraction = 0.1, EarlyStoppingPatience = 5, Epochs = 100,
        };
        var keys = set.Categories.Aggregate(numbers, (chain, c) => chain.Append(ml.Transforms.Conversion.MapValueToKey(c)));
        Add("MLP, recommended", keys.Append(set.Classification
            ? ml.Deep().BinaryClassification.Mlp(recommended) : ml.Deep().Regression.Mlp(recommended)));
        report.PrintDataset(set.Name);

        void Add(string model, IEstimator<ITransformer> pipeline)
        {
            var (metric, minutes) = Evaluate(ml, set, pipeline);
            report.Add(new ReportRow(set.Name, model, set.Classification ? "accuracy" : "RMSE", metric, baselineMetric,
                "LightGBM", minutes, LowerIsBetter: !set.Classification));
        }
    }

    private static (double Metric, double Minutes) Evaluate(MLContext ml, TabularSet set, IEstimator<ITransformer> pipeline)
    {
        var clock = Stopwatch.StartNew();
        var model = pipeline.Fit(set.Train);
        double minutes = clock.Elapsed.TotalMinutes;
        var scored = model.Transform(set.Test);
        double metric = set.Classification
            ? ml.BinaryClassification.EvaluateNonCalibrated(scored).Accuracy
            : ml.Regression.Evaluate(scored).RootMeanSquaredError;
        return (metric, minutes);
    }
}
