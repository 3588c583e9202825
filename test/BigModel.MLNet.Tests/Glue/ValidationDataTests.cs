using BigModel.MLNet.Engine;
using BigModel.MLNet.Glue;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;

namespace BigModel.MLNet.Tests.Glue;

[TestClass]
public class ValidationDataTests
{
    private sealed class Row
    {
        public float Label { get; set; }
        public bool IsValidation { get; set; }
    }

    private static IDataView Rows(MLContext ml) =>
        ml.Data.LoadFromEnumerable(Enumerable.Range(0, 100).Select(i => new Row { Label = i, IsValidation = i % 10 == 3 }).ToList());

    private static float[] Labels(MLContext ml, IDataView? data) => ml.Data.CreateEnumerable<Row>(data!, reuseRowObject: false).Select(r => r.Label).ToArray();

    [TestMethod]
    public void TailSplitHoldsOutTheLastRows()
    {
        var ml = new MLContext(1);
        var (train, validation) = ValidationData.Split(ml, Rows(ml), null, new TrainingOptions { ValidationFraction = 0.2, ValidationSplit = ValidationSplit.Tail }, seed: 1);
        CollectionAssert.AreEqual(Enumerable.Range(80, 20).Select(i => (float)i).ToArray(), Labels(ml, validation));
        CollectionAssert.AreEqual(Enumerable.Range(0, 80).Select(i => (float)i).ToArray(), Labels(ml, train));
    }

    [TestMethod]
    public void RandomSplitHoldsOutScatteredRowsAndKeepsEveryRowOnce()
    {
        var ml = new MLContext(1);
        var (train, validation) = ValidationData.Split(ml, Rows(ml), null, new TrainingOptions { ValidationFraction = 0.2 }, seed: 1);
        var held = Labels(ml, validation);
        Assert.IsTrue(held.Length is > 8 and < 35, $"{held.Length} rows held out");
        Assert.IsTrue(held.Min() < 50, "not the tail");
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 100).Select(i => (float)i).ToArray(), Labels(ml, train).Concat(held).ToArray());
    }

    [TestMethod]
    public void RandomSplitOfAFewRowsLeavesNeitherSideEmpty()
    {
        // Drawn row by row, a hundredth of 2 rows is almost always none; the last row validates then.
        var ml = new MLContext(1);
        var few = ml.Data.TakeRows(Rows(ml), 2);
        var (train, validation) = ValidationData.Split(ml, few, null, new TrainingOptions { ValidationFraction = 0.01 }, seed: 1);
        CollectionAssert.AreEqual(new[] { 1f }, Labels(ml, validation));
        CollectionAssert.AreEqual(new[] { 0f }, Labels(ml, train));
    }

    [TestMethod]
    public void MlpDefaultsValidateOnATenthThenRefitOnEveryRow()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 400).Select(i => new Marked { X = i / 400f, Label = i / 200f }).ToList());
        var model = ml.Transforms.Concatenate("Features", "X").Append(ml.Deep().Regression.Mlp()).Fit(data);
        var epochs = model.LastTransformer.History.Epochs;
        var validated = epochs.Where(e => e.Stage == "early stopping").ToList();
        Assert.IsTrue(validated.Count > 0 && validated.All(e => e.ValidationLoss is not null && e.Rows is > 300 and < 400), "a tenth (drawn at random) validates");
        Assert.IsTrue(epochs.Count(e => e.Stage == "refit" && e.Rows == 400) is > 0 and <= 20, "then every row trains for the epochs kept");

        // Validation data given to Fit replaces the held-out tenth.
        var features = ml.Transforms.Concatenate("Features", "X").Fit(data);
        var trained = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 2 }).Fit(features.Transform(data), features.Transform(ml.Data.TakeRows(data, 50)));
        Assert.IsTrue(trained.History.Epochs.All(e => e.Rows == 400));
    }

    [TestMethod]
    public void RefitTrainsAFreshNetworkOnEveryRowForTheEpochsEarlyStoppingKept()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 400).Select(i => new Marked { X = (i * 37 % 400) / 400f, Label = MathF.Sin(i * 37 % 400 / 60f) }).ToList());
        var features = ml.Transforms.Concatenate("X", "X").Fit(data).Transform(data);
        MlpOptions Options() => new() { FeatureColumnName = "X", EnsembleSize = 1, Epochs = 12, EarlyStoppingPatience = 2, RefitOnEveryRow = false };
        DeepPredictionTransformer Fit(MlpOptions options) => new MLContext(7).Deep().Regression.Mlp(options).Fit(features);
        float[] Scores(ITransformer model) => ColumnValues.Read(model.Transform(features), "Score");

        var refitOptions = Options();
        refitOptions.RefitOnEveryRow = true;
        var refitted = Fit(refitOptions);
        var history = refitted.History;
        var validated = history.Epochs.Where(e => e.Stage == "early stopping").ToList();
        var refit = history.Epochs.Where(e => e.Stage == "refit").ToList();
        Assert.IsTrue(validated.All(e => e.ValidationLoss is not null && e.Rows < 400), "the first fit validates on held-out rows");
        var once = Fit(Options());
        int kept = once.History.BestEpoch!.Value;
        Assert.HasCount(kept, refit, "the refit trains as many epochs as early stopping kept");
        Assert.IsTrue(refit.All(e => e.ValidationLoss is null && e.Rows == 400), "the refit trains on every row");

        // The kept model is the one a fit on every row for those epochs gives (same seed, same schedule).
        var everyRow = Options().OnEveryRow();
        everyRow.Epochs = kept;
        everyRow.ScheduleEpochs = 12;
        CollectionAssert.AreEqual(Scores(Fit(everyRow)), Scores(refitted));
        Assert.AreNotEqual(Scores(once)[0], Scores(refitted)[0], "the refit replaced the first fit's network");
    }

    [TestMethod]
    public void ProgressAndEpochCallbacksNameTheRefitsStagesAndTheEstimateIncludesTheRefit()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 400).Select(i => new Marked { X = i / 400f, Label = i / 200f }).ToList());
        var features = ml.Transforms.Concatenate("X", "X").Fit(data).Transform(data);
        var reports = new ProgressReports();
        var ended = new List<EpochMetrics>();
        // A patience beyond the epochs: the first fit runs them all, so only the refit is left after its last batch.
        var options = new MlpOptions { FeatureColumnName = "X", EnsembleSize = 1, Epochs = 3, EarlyStoppingPatience = 5, Progress = reports, EpochEnded = ended.Add };
        var model = ml.Deep().Regression.Mlp(options).Fit(features);

        var stages = reports.Select(r => r.Stage).Distinct().ToList();
        CollectionAssert.AreEqual(new[] { "early stopping", "refit" }, stages);
        var expected = Enumerable.Repeat("early stopping", 3).Concat(Enumerable.Repeat("refit", ended.Count - 3)).ToArray();
        CollectionAssert.AreEqual(expected, ended.Select(e => e.Stage).ToArray(), "each epoch's callback knows its stage");
        CollectionAssert.AreEqual(expected, model.History.Epochs.Select(e => e.Stage).ToArray());
        var first = reports.Last(r => r.Stage == "early stopping");
        Assert.AreEqual((3, first.BatchesPerEpoch), (first.Epoch, first.Batch), "the first fit's last batch");
        Assert.IsGreaterThan(TimeSpan.Zero, first.FitRemaining, "the refit is still ahead");
        Assert.AreEqual(1, reports.First(r => r.Stage == "refit").Epoch, "the refit counts its own epochs");
        Assert.AreEqual(TimeSpan.Zero, reports[^1].FitRemaining, "nothing left after the refit's last batch");
    }

    [TestMethod]
    public void MarkedRowsValidateEvenInsideAPipeline()
    {
        var ml = new MLContext(1);
        var (train, validation) = ValidationData.Split(ml, Rows(ml), null, new TrainingOptions { ValidationColumnName = "IsValidation" }, seed: 1);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => i * 10 + 3f).ToArray(), Labels(ml, validation));
        Assert.HasCount(90, Labels(ml, train));

        // In an EstimatorChain the column flows through the transforms to the trainer, which validates on those rows.
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 200).Select(i => new Marked { X = i / 200f, Label = i / 100f, IsValidation = i >= 160 }).ToList());
        var pipeline = ml.Transforms.Concatenate("Features", "X").Append(ml.Deep().Regression.Mlp(new MlpOptions
        {
            Epochs = 3, ValidationColumnName = "IsValidation", EarlyStoppingPatience = 2,
        }));
        var epochs = pipeline.Fit(data).LastTransformer.History.Epochs.ToLookup(e => e.Stage);
        Assert.IsTrue(epochs["early stopping"].Any() && epochs["early stopping"].All(e => e.ValidationLoss is not null && e.Rows == 160));
        Assert.IsTrue(epochs["refit"].Any() && epochs["refit"].All(e => e.ValidationLoss is null && e.Rows == 200), "the marked rows train in the refit");

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1, ValidationColumnName = "Label", FeatureColumnName = "X" }).Fit(
                ml.Transforms.Concatenate("X", "X").Fit(data).Transform(data)));
        StringAssert.Contains(error.Message, "must be Boolean");
    }

    private sealed class Marked
    {
        public float X { get; set; }
        public float Label { get; set; }
        public bool IsValidation { get; set; }
    }
}
