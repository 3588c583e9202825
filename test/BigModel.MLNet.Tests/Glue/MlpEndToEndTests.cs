using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tests.Glue;

/// <summary>The MLP presets learn what linear models cannot, and survive Save/Load and PredictionEngine.</summary>
[TestClass]
public class MlpEndToEndTests
{
    private static MlpOptions Options() => new() { Epochs = 30, LearningRate = 3e-3, BatchSize = 64 };

    [TestMethod]
    public void RegressionBeatsLinearSdcaByAtLeastThirtyPercent()
    {
        var ml = new MLContext(1);
        var train = SyntheticData.Regression(ml, 2000, 1);
        var test = SyntheticData.Regression(ml, 500, 2);
        var estimator = ml.Deep().Regression.Mlp(Options());
        var model = estimator.Fit(train);

        double mlp = ml.Regression.Evaluate(model.Transform(test)).RootMeanSquaredError;
        double sdca = ml.Regression.Evaluate(ml.Regression.Trainers.Sdca().Fit(train).Transform(test)).RootMeanSquaredError;
        Assert.IsLessThan(0.7 * sdca, mlp, $"MLP RMSE {mlp:F4} vs SDCA {sdca:F4}");

        EstimatorConformance.Check(ml, estimator, model, train, test, "Score");
    }

    [TestMethod]
    public void BinaryClassifierBeatsLinearLogisticRegression()
    {
        var ml = new MLContext(1);
        var train = SyntheticData.Binary(ml, 2000, 1);
        var test = SyntheticData.Binary(ml, 500, 2);
        var estimator = ml.Deep().BinaryClassification.Mlp(Options());
        var model = estimator.Fit(train);

        var mlp = ml.BinaryClassification.Evaluate(model.Transform(test));
        var linear = ml.BinaryClassification.Evaluate(ml.BinaryClassification.Trainers.SdcaLogisticRegression().Fit(train).Transform(test));
        Assert.IsGreaterThan(0.93, mlp.Accuracy, $"MLP accuracy {mlp.Accuracy:F3}");
        Assert.IsGreaterThan(linear.Accuracy + 0.15, mlp.Accuracy, $"MLP {mlp.Accuracy:F3} vs linear {linear.Accuracy:F3}");

        EstimatorConformance.Check(ml, estimator, model, train, test, "Score", "Probability", "PredictedLabel");
    }

    [TestMethod]
    public void MulticlassClassifierBeatsLinearAndKeepsTheLabelValues()
    {
        var ml = new MLContext(1);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label");
        var train = SyntheticData.Multiclass(ml, 2000, 1);
        var test = SyntheticData.Multiclass(ml, 500, 2);
        var estimator = toKey.Append(ml.Deep().MulticlassClassification.Mlp(Options()));
        var model = estimator.Fit(train);

        var scored = model.Transform(test);
        var mlp = ml.MulticlassClassification.Evaluate(scored);
        var linear = ml.MulticlassClassification.Evaluate(
            toKey.Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()).Fit(train).Transform(test));
        Assert.IsGreaterThan(0.9, mlp.MacroAccuracy, $"MLP macro accuracy {mlp.MacroAccuracy:F3}");
        Assert.IsGreaterThan(linear.MacroAccuracy + 0.2, mlp.MacroAccuracy, $"MLP {mlp.MacroAccuracy:F3} vs linear {linear.MacroAccuracy:F3}");

        // PredictedLabel is a key over the label's own values, so it maps back to the label text.
        var labelled = ml.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedLabel").Fit(scored).Transform(scored);
        var predicted = labelled.GetColumn<string>("PredictedText").ToList();
        CollectionAssert.IsSubsetOf(predicted.Distinct().ToList(), new[] { "inner", "middle", "outer" });
        var truth = test.GetColumn<string>("Label").ToList();
        Assert.IsGreaterThan(0.9, predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Count);

        EstimatorConformance.Check(ml, estimator, model, train, test, "Score", "PredictedLabel");
    }

    [TestMethod]
    public void PredictionEngineAgreesWithTransform()
    {
        var ml = new MLContext(3);
        var train = SyntheticData.Binary(ml, 600, 1);
        var test = SyntheticData.Binary(ml, 50, 2);
        var model = ml.Deep().BinaryClassification.Mlp(new MlpOptions { Epochs = 3 }).Fit(train);
        var batch = ColumnValues.Read(model.Transform(test), "Probability");

        using var engine = ml.Model.CreatePredictionEngine<SyntheticData.BinaryRow, BinaryPrediction>(model);
        var single = ml.Data.CreateEnumerable<SyntheticData.BinaryRow>(test, reuseRowObject: false)
            .Select(row => engine.Predict(row).Probability).ToArray();
        CollectionAssert.That.AreClose(batch, single, 1e-5f);
    }

    [TestMethod]
    public void ModelsLeaveNoCopyOfTheirNetworkInTheTempFolder()
    {
        // Fitting, scoring, evaluating, saving and prediction engines must leave no file behind, even when the model is
        // never disposed (ML.NET users seldom dispose models or engines). The temp folder is the test's own.
        string temp = Directory.CreateTempSubdirectory("bigmodel-temp-").FullName;
        string? previous = Environment.GetEnvironmentVariable("TMPDIR");
        Environment.SetEnvironmentVariable("TMPDIR", temp);
        try
        {
            var ml = new MLContext(5);
            var train = SyntheticData.Binary(ml, 300, 1);
            var model = ml.Deep().BinaryClassification.Mlp(new MlpOptions { Epochs = 1 }).Fit(train);
            ml.BinaryClassification.Evaluate(model.Transform(train));
            using (var saved = new MemoryStream())
                ml.Model.Save(model, train.Schema, saved);
            Assert.IsEmpty(Directory.GetFiles(temp), "fit, transform, evaluate and save");

            var row = ml.Data.CreateEnumerable<SyntheticData.BinaryRow>(train, reuseRowObject: false).First();
            var engine = ml.Model.CreatePredictionEngine<SyntheticData.BinaryRow, BinaryPrediction>(model);
            float first = engine.Predict(row).Probability;
            Assert.IsEmpty(Directory.GetFiles(temp), "a prediction engine, while the model lives");
            // A second engine shares the first one's ML.NET transformers, whose network file is gone: it still scores,
            // and saving (which writes the network from a file of its own) still works.
            var second = ml.Model.CreatePredictionEngine<SyntheticData.BinaryRow, BinaryPrediction>(model);
            Assert.AreEqual(first, second.Predict(row).Probability);
            using (var saved = new MemoryStream())
                ml.Model.Save(model, train.Schema, saved);
            Assert.IsEmpty(Directory.GetFiles(temp), "two prediction engines and a second save");
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", previous);
            Directory.Delete(temp, recursive: true);
        }
    }

    [TestMethod]
    public void ExportedOnnxScoresLikeTransform()
    {
        var ml = new MLContext(4);
        var train = SyntheticData.Regression(ml, 300, 1);
        var model = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 2, UseBatchNorm = true, DropoutRate = 0.2, Activation = MlpActivation.GELU }).Fit(train);
        using var stream = new MemoryStream();
        model.ExportToOnnx(stream);

        var viaOnnxRuntime = ml.Transforms.ApplyOnnxModel("Score", "Features", new MemoryStream(stream.ToArray())).Fit(train).Transform(train);
        CollectionAssert.That.AreClose(ColumnValues.Read(model.Transform(train), "Score"), ColumnValues.Read(viaOnnxRuntime, "Score"), 1e-6f);
    }

    [TestMethod]
    public void SameContextSeedGivesTheSameModel()
    {
        float[] Scores(int seed)
        {
            var ml = new MLContext(seed);
            var data = SyntheticData.Regression(ml, 300, 1);
            var model = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 3, DropoutRate = 0.1 }).Fit(data);
            return ColumnValues.Read(model.Transform(data), "Score");
        }
        CollectionAssert.AreEqual(Scores(7), Scores(7));
        CollectionAssert.AreNotEqual(Scores(7), Scores(8));
    }

    [TestMethod]
    public void DataCachedOnTheDeviceTrainsTheSameModelAsStreamedData()
    {
        // A shuffle pool larger than the data: streamed batches then hold the rows the cached data selects.
        float[] Scores(bool cache)
        {
            var ml = new MLContext(3);
            var data = SyntheticData.Multiclass(ml, 257, 1);
            var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
            var options = new MlpOptions { Epochs = 3, DropoutRate = 0.1, ValidationFraction = 0.2, CacheDataOnDevice = cache };
            var model = ml.Deep().MulticlassClassification.Mlp(options).Fit(keyed);
            Assert.AreEqual(3, model.History.Epochs.Count(e => e.Stage == "early stopping"));
            return ColumnValues.Read(model.Transform(keyed), "Score");
        }
        CollectionAssert.AreEqual(Scores(cache: false), Scores(cache: true));
    }

    [TestMethod]
    public void BatchesReadAheadTrainTheSameModelAsBatchesReadInStep()
    {
        float[] Scores(int prefetch)
        {
            var ml = new MLContext(4);
            var data = SyntheticData.Regression(ml, 300, 1);
            var options = new MlpOptions { Epochs = 3, DropoutRate = 0.1, ValidationFraction = 0.2, ShuffleBufferSize = 64, PrefetchBatches = prefetch };
            return ColumnValues.Read(ml.Deep().Regression.Mlp(options).Fit(data).Transform(data), "Score");
        }
        CollectionAssert.AreEqual(Scores(prefetch: 0), Scores(prefetch: 3));
    }

    [TestMethod]
    public void ScoringBatchSizeDoesNotChangeScores()
    {
        var ml = new MLContext(5);
        var data = SyntheticData.Multiclass(ml, 333, 1);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
        var keyed = pipeline.Transform(data);
        var model = ml.Deep().MulticlassClassification.Mlp(new MlpOptions { Epochs = 2 }).Fit(keyed);
        var big = ColumnValues.Read(model.Transform(keyed), "Score");
        model.ScoringBatchSize = 7;
        var small = ColumnValues.Read(model.Transform(keyed), "Score");
        CollectionAssert.AreEqual(big, small);
        Assert.HasCount(333 * 3, small);
    }

    [TestMethod]
    public void ScoringOnTheGpuWithoutOnnxRuntimesCudaBuildSaysWhatIsMissingAndKeepsScoringOnTheCpu()
    {
        // The tests reference ONNX Runtime's CPU build, as most applications do: asking for a GPU must fail clearly, and
        // the model must go on scoring as before. (With the CUDA build the same call scores the same graph on the GPU;
        // that needs a GPU machine, see docs/benchmarks.md#gpu.)
        var ml = new MLContext(5);
        var data = SyntheticData.Regression(ml, 200, 1);
        var model = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 2 }).Fit(data);
        var before = ColumnValues.Read(model.Transform(data), "Score");

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => model.ScoringGpuDeviceId = 0);
        StringAssert.Contains(error.Message, "Microsoft.ML.OnnxRuntime.Gpu");
        StringAssert.Contains(error.Message, "CUDA device 0");
        Assert.IsNull(model.ScoringGpuDeviceId);
        CollectionAssert.AreEqual(before, ColumnValues.Read(model.Transform(data), "Score"));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.ScoringGpuDeviceId = -1);
        model.ScoringGpuDeviceId = null; // already on the CPU: nothing to do
        CollectionAssert.AreEqual(before, ColumnValues.Read(model.Transform(data), "Score"));
    }

    public sealed class BinaryPrediction
    {
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    [TestMethod]
    public void LabelSmoothingKeepsProbabilitiesAwayFromCertainty()
    {
        // Easily separable classes: without smoothing the model grows certain; with ε = 0.2 it aims at 0.9 at most.
        var ml = new MLContext(1);
        var train = SyntheticData.Binary(ml, 1000, 1);
        float Max(double smoothing) => ColumnValues.Read(ml.Deep().BinaryClassification.Mlp(new MlpOptions
        {
            Epochs = 40, LearningRate = 1e-2, LabelSmoothing = smoothing,
        }).Fit(train).Transform(train), "Probability").Max();
        float plain = Max(0), smoothed = Max(0.2);
        Assert.IsGreaterThan(0.995f, plain, $"max probability without smoothing {plain:F4}");
        Assert.IsLessThan(0.97f, smoothed, $"max probability with smoothing 0.2 (target 0.9): {smoothed:F4}");
    }
}
