using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Tasks;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tests.Glue;

/// <summary>Bad data gets an exception that names the column (and row), before any native code runs on it.</summary>
[TestClass]
public class BadInputTests
{
    private static readonly MlpOptions Quick = new() { Epochs = 1 };

    private sealed class Row
    {
        [VectorType(2)] public float[] Features { get; set; } = [0, 0];
        public float Label { get; set; }
        public double DoubleLabel { get; set; }
        public float Scalar { get; set; }
        public bool Flag { get; set; }
    }

    private static IDataView Data(MLContext ml, params Row[] rows) => ml.Data.LoadFromEnumerable(rows);

    private static Row[] Rows(int count) => Enumerable.Range(0, count).Select(i => new Row { Features = [i, -i], Label = i, Flag = i % 2 == 0 }).ToArray();

    [TestMethod]
    public void MissingColumnIsNamed()
    {
        var ml = new MLContext(1);
        var trainer = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1, FeatureColumnName = "Pixels" });
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(Data(ml, Rows(10))));
        StringAssert.Contains(error.Message, "'Pixels'");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(Internals.SchemaShapesOf(Data(ml, Rows(1)))));
    }

    [TestMethod]
    public void WrongLabelTypeIsNamed()
    {
        var ml = new MLContext(1);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1, LabelColumnName = "DoubleLabel" }).Fit(Data(ml, Rows(10))));
        StringAssert.Contains(error.Message, "'DoubleLabel'");
        StringAssert.Contains(error.Message, "Double");

        var binary = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Deep().BinaryClassification.Mlp(Quick).Fit(Data(ml, Rows(10))));
        StringAssert.Contains(binary.Message, "Boolean");

        var multiclass = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Deep().MulticlassClassification.Mlp(Quick).Fit(Data(ml, Rows(10))));
        StringAssert.Contains(multiclass.Message, "MapValueToKey");
    }

    [TestMethod]
    public void ScalarFeatureColumnIsRejectedWithAHint()
    {
        var ml = new MLContext(1);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1, FeatureColumnName = "Scalar" }).Fit(Data(ml, Rows(10))));
        StringAssert.Contains(error.Message, "'Scalar'");
        StringAssert.Contains(error.Message, "Concatenate");
    }

    [TestMethod]
    public void EmptyDataIsRejected()
    {
        var ml = new MLContext(1);
        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.Deep().Regression.Mlp(Quick).Fit(Data(ml)));
        StringAssert.Contains(error.Message, "no rows");
    }

    [TestMethod]
    public void NonFiniteFeatureIsNamedWithItsRow()
    {
        var ml = new MLContext(1);
        var rows = Rows(10);
        rows[7].Features = [1, float.NaN];
        // The default holds out a random tenth, and rows are counted on each side of that split: the error must still
        // name the row as the data gives it.
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1, ShuffleBufferSize = 0 }).Fit(Data(ml, rows)));
        StringAssert.Contains(error.Message, "'Features'");
        StringAssert.Contains(error.Message, "row 7");

        rows[7].Features = [float.PositiveInfinity, 1];
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().Regression.Mlp(Quick).Fit(Data(ml, rows))).Message, "Infinity");
    }

    [TestMethod]
    public void NonFiniteLabelIsNamed()
    {
        var ml = new MLContext(1);
        var rows = Rows(10);
        rows[3].Label = float.NaN;
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().Regression.Mlp(Quick).Fit(Data(ml, rows)));
        StringAssert.Contains(error.Message, "'Label'");
    }

    [TestMethod]
    public void UnseenMulticlassLabelIsRejectedAsOutOfRange()
    {
        var ml = new MLContext(1);
        var train = SyntheticData.Multiclass(ml, 100, 1);
        // The key mapping knows only two of the three labels, so "outer" rows map to the missing key.
        var partial = ml.Data.FilterByCustomPredicate<SyntheticData.MulticlassRow>(train, row => row.Label == "outer");
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label").Fit(partial);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().MulticlassClassification.Mlp(Quick).Fit(toKey.Transform(train)));
        StringAssert.Contains(error.Message, "'Label'");
        StringAssert.Contains(error.Message, "missing label");
    }

    [TestMethod]
    public void ScoringWithAnotherFeatureWidthIsRejected()
    {
        var ml = new MLContext(1);
        var model = ml.Deep().Regression.Mlp(Quick).Fit(SyntheticData.Regression(ml, 50, 1));
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(Data(ml, Rows(3))));
        StringAssert.Contains(error.Message, "trained on 5");
    }

    [TestMethod]
    public void OutputSchemaAcceptsStructuredColumnsUpstream()
    {
        // An image column (from LoadImages) upstream of the features must not trip the schema check.
        var ml = new MLContext(1);
        var data = Data(ml, Rows(3));
        var pipeline = ml.Transforms.LoadImages("Photo", imageFolder: "", inputColumnName: "Path")
            .Append(ml.Deep().Regression.Mlp(Quick));
        var withPaths = ml.Transforms.Conversion.ConvertType("Path", "DoubleLabel", DataKind.String).Fit(data).Transform(data);
        var shape = pipeline.GetOutputSchema(Internals.SchemaShapesOf(withPaths));
        Assert.IsTrue(shape.Any(c => c.Name == "Score"));
    }

    [TestMethod]
    public void InvalidOptionIsNamed()
    {
        var ml = new MLContext(1);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Deep().Regression.Mlp(new MlpOptions { HiddenLayers = [8, 0] }));
        Assert.AreEqual(nameof(MlpOptions.HiddenLayers), error.ParamName);
    }

    [TestMethod]
    public void FilesThatAreNoModelAreNamedOnLoad()
    {
        var ml = new MLContext(1);
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [1, 2, 3, 4]);
            var error = Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().LoadModel(path, out _));
            StringAssert.Contains(error.Message, path);
            StringAssert.Contains(error.Message, "not a saved model");

            // A well-formed zip that ML.NET cannot read as a model: the opaque loader error gets the file's name.
            File.Delete(path);
            using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
                using (var writer = new StreamWriter(zip.CreateEntry("notes.txt").Open()))
                    writer.Write("hello");
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().LoadModel(path, out _)).Message, path);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.ThrowsExactly<FileNotFoundException>(() => ml.Deep().LoadModel(path + ".missing", out _));
    }

    [TestMethod]
    public void OptionsAreCheckedBeforeAnyDataIsRead()
    {
        var ml = new MLContext(1);
        foreach (var (options, name) in new (MlpOptions, string)[]
        {
            (new MlpOptions { DropoutRate = double.NaN }, nameof(MlpOptions.DropoutRate)),
            (new MlpOptions { LearningRate = double.PositiveInfinity }, nameof(MlpOptions.LearningRate)),
            (new MlpOptions { BatchSize = int.MaxValue }, nameof(MlpOptions.BatchSize)),
            (new MlpOptions { EarlyStoppingMinDelta = double.NaN }, nameof(MlpOptions.EarlyStoppingMinDelta)),
            (new MlpOptions { EnsembleSize = 0 }, nameof(MlpOptions.EnsembleSize)),
        })
        {
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Deep().Regression.Mlp(options), name);
            Assert.AreEqual(name, error.ParamName);
            StringAssert.Contains(error.Message, "must be");
        }

        // Options are mutable: Fit checks them again before reading anything.
        var later = new MlpOptions { Epochs = 1 };
        var trainer = ml.Deep().Regression.Mlp(later);
        later.DropoutRate = double.NaN;
        Assert.AreEqual(nameof(MlpOptions.DropoutRate),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(new ThrowingDataView())).ParamName);

        // Class weights must match the label's classes (binary: false, true).
        var weights = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Deep().BinaryClassification.Mlp(new MlpOptions { Epochs = 1, ClassWeights = [1, 2, 3] }).Fit(SyntheticData.Binary(ml, 20, 1)));
        Assert.AreEqual(nameof(MlpOptions.ClassWeights), weights.ParamName);
        StringAssert.Contains(weights.Message, "2 classes");
    }

    [TestMethod]
    public void HugeBatchSizeCostsNoMoreThanTheData()
    {
        var ml = new MLContext(1);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var model = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1, BatchSize = MlpOptions.MaxBatchSize }.OnEveryRow()).Fit(SyntheticData.Regression(ml, 30, 1));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.AreEqual(30, model.History.Epochs[0].Rows);
        Assert.IsLessThan(200L << 20, allocated, $"{allocated / (1 << 20)} MB allocated for 30 rows");
    }

    [TestMethod]
    public void ValidationSplitThatLeavesOneRowIsRefusedForBatchNormalisation()
    {
        var ml = new MLContext(1);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Deep().Regression.Mlp(new MlpOptions
        {
            Epochs = 1, UseBatchNorm = true, ValidationFraction = 0.5,
        }).Fit(SyntheticData.Regression(ml, 2, 1)));
        StringAssert.Contains(error.Message, "single row");
    }

    [TestMethod]
    public void KeysBeyondTheirTypeAreNamedWithColumnAndRow()
    {
        var ml = new MLContext(1);
        var (train, _, _) = new SyntheticRatings(1).Load(ml);
        int users = (int)((KeyDataViewType)train.Schema["UserId"].Type).Count;
        var broken = AlteredDataView.WithKey(train, "UserId", row: 4, key: (uint)users + 5);
        var error = Assert.ThrowsExactly<InvalidDataException>(() =>
            ml.Deep().Recommendation.MatrixFactorization(labelColumnName: "Label", epochs: 1).Fit(broken));
        StringAssert.Contains(error.Message, "'UserId'");
        StringAssert.Contains(error.Message, "row 4");
    }

    [TestMethod]
    [DataRow(PredictionKind.Regression)]
    [DataRow(PredictionKind.BinaryClassification)]
    [DataRow(PredictionKind.MulticlassClassification)]
    public void NaNFeaturesScoreNaNTheSameWayInEveryScoringPath(PredictionKind kind)
    {
        // The policy (README, "Bad input"): training refuses NaN; scoring passes it through — NaN scores, no class — in
        // Transform, prediction engines and loaded models alike.
        var ml = new MLContext(1);
        var train = kind switch
        {
            PredictionKind.Regression => SyntheticData.Regression(ml, 100, 1),
            PredictionKind.BinaryClassification => SyntheticData.Binary(ml, 100, 1),
            _ => ml.Transforms.Conversion.MapValueToKey("Label").Fit(SyntheticData.Multiclass(ml, 100, 1)).Transform(SyntheticData.Multiclass(ml, 100, 1)),
        };
        var catalog = kind switch
        {
            PredictionKind.Regression => ml.Deep().Regression,
            PredictionKind.BinaryClassification => ml.Deep().BinaryClassification,
            _ => ml.Deep().MulticlassClassification,
        };
        var model = catalog.Mlp(new MlpOptions { Epochs = 1 }).Fit(train);
        var withNaN = AlteredDataView.WithValue(train, "Features", 2, float.NaN);

        string path = Path.Combine(Path.GetTempPath(), $"bigmodel-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, train.Schema, path);
        var loaded = ml.Deep().LoadModel(path, out _);
        File.Delete(path);

        foreach (var (scorer, name) in new[] { ((ITransformer)model, "Transform"), (loaded, "loaded model") })
        {
            var scored = scorer.Transform(withNaN);
            float[] scores = ColumnValues.Read(scored, "Score");
            int width = scores.Length / 100;
            Assert.IsTrue(scores.Skip(2 * width).Take(width).All(float.IsNaN), $"{name}: the NaN row scores NaN");
            Assert.IsTrue(scores.Take(2 * width).All(float.IsFinite), $"{name}: the other rows score as usual");
            if (kind == PredictionKind.MulticlassClassification)
                Assert.AreEqual(0f, ColumnValues.Read(scored, "PredictedLabel")[2], $"{name}: no class (the missing key)");
            if (kind == PredictionKind.BinaryClassification)
                Assert.IsTrue(float.IsNaN(ColumnValues.Read(scored, "Probability")[2]), $"{name}: NaN probability");
        }
        CollectionAssert.AreEqual(ColumnValues.Read(model.Transform(withNaN), "Score").Select(float.IsNaN).ToList(),
            ColumnValues.Read(loaded.Transform(withNaN), "Score").Select(float.IsNaN).ToList());

        // A prediction engine scores such a row the same way.
        var input = new FeaturesOnly { Features = [0.1f, float.NaN, 0.2f, 0.3f, 0.4f] };
        float[] predicted = kind == PredictionKind.MulticlassClassification
            ? ml.Model.CreatePredictionEngine<FeaturesOnly, Scores>(model, ignoreMissingColumns: true).Predict(input).Score
            : [ml.Model.CreatePredictionEngine<FeaturesOnly, ScoreOnly>(model, ignoreMissingColumns: true).Predict(input).Score];
        Assert.IsTrue(predicted.All(float.IsNaN), "prediction engine: NaN");
    }

    public sealed class FeaturesOnly
    {
        [VectorType(SyntheticData.Width)] public float[] Features { get; set; } = [];
    }

    public sealed class ScoreOnly
    {
        public float Score { get; set; }
    }

    public sealed class Scores
    {
        [VectorType] public float[] Score { get; set; } = [];
    }

    /// <summary>Data that fails if anyone reads it.</summary>
    private sealed class ThrowingDataView : IDataView
    {
        public bool CanShuffle => false;
        public DataViewSchema Schema => new MLContext().Data.LoadFromEnumerable(Rows(1)).Schema;
        public long? GetRowCount() => throw new AssertFailedException("the data was read");
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => throw new AssertFailedException("the data was read");
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => throw new AssertFailedException("the data was read");
    }
}
