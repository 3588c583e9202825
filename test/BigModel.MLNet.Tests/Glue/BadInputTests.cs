using BigModel.MLNet.Models.Mlp;
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
    public void CorruptModelFileGivesAClearError()
    {
        var ml = new MLContext(1);
        ml.Deep();
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, [1, 2, 3, 4]);
        try
        {
            var error = Assert.Throws<Exception>(() => ml.Model.Load(path, out _));
            Assert.IsFalse(string.IsNullOrWhiteSpace(error.Message));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
