using BigModel.MLNet.Models.Mlp;
using Microsoft.ML;

namespace BigModel.MLNet.Tests.Glue;

/// <summary>The trainers sit in ordinary ML.NET pipelines: featurisation, splits, cross-validation.</summary>
[TestClass]
public class PipelineCompositionTests
{
    private sealed class Trip
    {
        public string Vendor { get; set; } = "";
        public float Distance { get; set; }
        public float Minutes { get; set; }
        public float Fare { get; set; }
    }

    private static IDataView Trips(MLContext ml, int rows, int seed)
    {
        var random = new Random(seed);
        string[] vendors = ["CMT", "VTS", "DDS"];
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(_ =>
        {
            int vendor = random.Next(3);
            float distance = (float)(random.NextDouble() * 20);
            float minutes = distance * (2 + (float)random.NextDouble() * 2);
            // Non-linear fare: a surcharge grows with the square of time per distance, and differs by vendor.
            float fare = 2.5f + 1.5f * distance + 0.02f * minutes * minutes / (1 + distance) + vendor * 3 + (float)random.NextDouble();
            return new Trip { Vendor = vendors[vendor], Distance = distance, Minutes = minutes, Fare = fare };
        }).ToList());
    }

    private static IEstimator<ITransformer> Featurize(MLContext ml) =>
        ml.Transforms.Categorical.OneHotEncoding("VendorEncoded", "Vendor")
            .Append(ml.Transforms.Concatenate("Numbers", "Distance", "Minutes"))
            .Append(ml.Transforms.NormalizeMeanVariance("Numbers"))
            .Append(ml.Transforms.Concatenate("Features", "VendorEncoded", "Numbers"));

    [TestMethod]
    public void TrainsInsideAFeaturisationPipelineWithTrainTestSplit()
    {
        var ml = new MLContext(1);
        var split = ml.Data.TrainTestSplit(Trips(ml, 1500, 1), testFraction: 0.2, seed: 1);
        var pipeline = Featurize(ml).Append(ml.Deep().Regression.Mlp(new MlpOptions { LabelColumnName = "Fare", Epochs = 40, LearningRate = 3e-3 }));
        var model = pipeline.Fit(split.TrainSet);
        var metrics = ml.Regression.Evaluate(model.Transform(split.TestSet), labelColumnName: "Fare");
        Assert.IsGreaterThan(0.95, metrics.RSquared, $"R² {metrics.RSquared:F3}");
    }

    [TestMethod]
    public void CrossValidatesWithAFreshNetworkPerFold()
    {
        var ml = new MLContext(1);
        var data = Featurize(ml).Fit(Trips(ml, 600, 2)).Transform(Trips(ml, 600, 2));
        var results = ml.Regression.CrossValidate(data, ml.Deep().Regression.Mlp(new MlpOptions { LabelColumnName = "Fare", Epochs = 15, LearningRate = 3e-3 }),
            numberOfFolds: 3, labelColumnName: "Fare");
        Assert.HasCount(3, results);
        foreach (var fold in results)
            Assert.IsGreaterThan(0.8, fold.Metrics.RSquared, $"fold R² {fold.Metrics.RSquared:F3}");
        var histories = results.Select(r => ((DeepPredictionTransformer)r.Model).History.Epochs[0].TrainingLoss).ToList();
        Assert.AreEqual(3, histories.Distinct().Count(), "each fold trains its own network from scratch");
    }

    [TestMethod]
    public void ValidationFractionFeedsEarlyStoppingThroughTheTrainer()
    {
        var ml = new MLContext(1);
        var data = Featurize(ml).Fit(Trips(ml, 800, 3)).Transform(Trips(ml, 800, 3));
        var model = ml.Deep().Regression.Mlp(new MlpOptions
        {
            LabelColumnName = "Fare", Epochs = 300, LearningRate = 1e-2, ValidationFraction = 0.2, EarlyStoppingPatience = 4,
            RefitOnEveryRow = false,
        }).Fit(data);
        var history = model.History;
        Assert.IsTrue(history.StoppedEarly, $"ran all {history.Epochs.Count} epochs");
        Assert.IsNotNull(history.Epochs[0].ValidationLoss);
        Assert.AreEqual(history.Epochs.MinBy(e => e.ValidationLoss)!.Epoch, history.BestEpoch);
    }
}
