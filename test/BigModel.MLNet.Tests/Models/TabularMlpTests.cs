using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;

namespace BigModel.MLNet.Tests.Models;

/// <summary>The MLP on tabular data as it arrives: unscaled labels and features, categorical columns, heavy tails.</summary>
[TestClass]
public class TabularMlpTests
{
    private static MlpOptions Options(bool categories = true) => new()
    {
        FeatureColumnName = "Numbers", LabelColumnName = "Price", CategoricalColumnNames = categories ? ["Shop"] : [],
        Epochs = 25, LearningRate = 3e-3,
    };

    /// <summary>A context (seed 1) whose log messages are collected in <paramref name="log"/>.</summary>
    private static MLContext LoggingContext(out List<string> log)
    {
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => messages.Add(e.RawMessage);
        log = messages;
        return ml;
    }

    private static double Rmse(MLContext ml, ITransformer model, IDataView test) =>
        ml.Regression.Evaluate(model.Transform(test), labelColumnName: "Price").RootMeanSquaredError;

    [TestMethod]
    public void LabelScaleDoesNotMatter()
    {
        // The same problem with prices in units and scaled by 1e4: relative errors must agree, and Score must be in the
        // label's own units (Transform, saved model). Without standardisation the scaled labels are out of reach.
        var ml = new MLContext(1);
        double Relative(float scale, bool standardize = true)
        {
            var train = SyntheticTabular.Keyed(ml, SyntheticTabular.Generate(2000, 1, labelScale: scale));
            var test = SyntheticTabular.Keyed(ml, SyntheticTabular.Generate(500, 2, labelScale: scale), SyntheticTabular.Generate(2000, 1));
            var options = Options();
            options.StandardizeLabel = standardize;
            var estimator = ml.Deep().Regression.Mlp(options);
            var model = estimator.Fit(train);
            if (standardize)
                EstimatorConformance.Check(ml, estimator, model, train, test, "Score");
            return Rmse(ml, model, test) / scale;
        }
        // Float rounding differs between the scales, so the runs are not bit-identical: both must simply be good.
        double plain = Relative(1), large = Relative(1e4f);
        Assert.IsLessThan(100, plain, $"RMSE {plain:F1} on prices with a standard deviation near 1,300");
        Assert.IsLessThan(100, large, $"RMSE {large:F1} (in units of 1e4) on prices scaled by 1e4");
        double raw = Relative(1e4f, standardize: false);
        Assert.IsGreaterThan(10 * large, raw, $"without standardisation: RMSE {raw:F0} (in units of 1e4)");
    }

    [TestMethod]
    public void UnnormalisedFeaturesTrainAsWellAsNormalisedOnes()
    {
        var ml = new MLContext(1);
        double Error(float featureScale, bool normalize)
        {
            var options = Options();
            options.NumericEncoding = normalize ? NumericEncoding.QuantileBins : NumericEncoding.None;
            var train = SyntheticTabular.Keyed(ml, SyntheticTabular.Generate(2000, 1, featureScale: featureScale));
            var test = SyntheticTabular.Keyed(ml, SyntheticTabular.Generate(500, 2, featureScale: featureScale), SyntheticTabular.Generate(2000, 1));
            return Rmse(ml, ml.Deep().Regression.Mlp(options).Fit(train), test);
        }
        double small = Error(1e-3f, normalize: true), large = Error(1, normalize: true), off = Error(1, normalize: false);
        Assert.AreEqual(small, large, 0.2 * small, $"RMSE {small:F1} with features near 1, {large:F1} with features in the thousands");
        Assert.IsGreaterThan(2 * large, off, $"without in-network standardisation: {off:F1}");
    }

    [TestMethod]
    public void QuantileBinsEncodeWhereAValueLiesAndExportExactly()
    {
        // Edges 0, 1, 2, 4 for the first feature (three bins, the first open below, the last open above); a constant
        // second feature gets no bins.
        using var encoding = new BigModel.MLNet.Models.PiecewiseLinearEncoding([[0, 1, 2, 4], [7]]);
        Assert.AreEqual(3, encoding.Width);
        using var input = TorchSharp.torch.tensor(new float[] { 1.5f, 7, -1, 7, 6, 7 }, [3, 2]);
        using var encoded = encoding.call(input);
        CollectionAssert.AreEqual(new[] { 1f, 0.5f, 0, -1, 0, 0, 1, 1, 2 }, encoded.data<float>().ToArray());

        using var fitted = BigModel.MLNet.Models.PiecewiseLinearEncoding.Fit(
            new MLContext().Data.LoadFromEnumerable(Enumerable.Range(0, 101).Select(i => new SyntheticTabular.Row { Numbers = [i, i % 2] })), "Numbers", bins: 4)!;
        Assert.AreEqual(4 + 1, fitted.Width, "quartile bins for 0..100, one bin for the 0/1 feature");
    }

    [TestMethod]
    public void AZeroInflatedFeatureGetsBinsAcrossItsOtherValues()
    {
        // 900 zeros and 100 values 1..100 (a capital-gain column): plain quartiles are all 0 but the last, which would
        // leave one bin for the whole non-zero range; the rows off the heavy value get quartiles of their own.
        var rows = Enumerable.Range(0, 1000).Select(i => new SyntheticTabular.Row { Numbers = [i < 900 ? 0 : i - 899, 1] });
        using var fitted = BigModel.MLNet.Models.PiecewiseLinearEncoding.Fit(new MLContext().Data.LoadFromEnumerable(rows), "Numbers", bins: 4)!;
        Assert.AreEqual(5, fitted.Width, "edges 0, 1, 26, 51, 75, 100");
        using var input = TorchSharp.torch.tensor(new float[] { 0, 1, 40, 1, 100, 1 }, [3, 2]);
        using var encoded = fitted.call(input);
        var bins = encoded.data<float>().ToArray();
        CollectionAssert.AreEqual(new[] { 0f, 0, 0, 0, 0 }, bins[..5], "zero sits at the first edge");
        CollectionAssert.AreEqual(new[] { 1f, 1, 0.56f, 0, 0 }, bins[5..10].Select(b => MathF.Round(b, 2)).ToArray(), "40 lies inside the third bin");
        CollectionAssert.AreEqual(new[] { 1f, 1, 1, 1, 1 }, bins[10..], "100 fills every bin");
    }

    [TestMethod]
    public void ManyFeaturesShareTheEncodingsWidthAndTooManyKeepOnlyTheirStandardisedValues()
    {
        static IDataView Features(int width) => Wide.Data(width, rows: 100);
        const int most = BigModel.MLNet.Models.PiecewiseLinearEncoding.MaxWidth;

        using var few = BigModel.MLNet.Models.PiecewiseLinearEncoding.Fit(Features(100), "Features", bins: 32)!;
        Assert.AreEqual(100 * 32, few.Width, "within the limit every feature keeps its 32 bins");
        using var many = BigModel.MLNet.Models.PiecewiseLinearEncoding.Fit(Features(400), "Features", bins: 32)!;
        Assert.AreEqual(400 * 16, many.Width, $"400 × 32 bins pass {most} values: 16 each");
        Assert.IsNull(BigModel.MLNet.Models.PiecewiseLinearEncoding.Fit(Features(most), "Features", bins: 32), "even 2 bins each are too many");

        // The MLP still trains on such data, on the standardised values, and its log says why it has no bins.
        var ml = LoggingContext(out var log);
        var model = ml.Deep().Regression.Mlp(new MlpOptions { LabelColumnName = "Label", Epochs = 1 }).Fit(Features(most));
        Assert.IsTrue(ml.Data.CreateEnumerable<Wide.Scored>(model.Transform(Features(most)), false).All(r => float.IsFinite(r.Score)));
        Assert.IsTrue(log.Any(m => m.Contains($"none for the {most} features of 'Features'")), string.Join("\n", log.Where(m => m.Contains("bins"))));
    }

    /// <summary>Rows of <c>width</c> features, feature j of row i being (7i + j) mod 100 (100 distinct values each), and a label.</summary>
    private static class Wide
    {
        public sealed class Row
        {
            public float[] Features { get; set; } = [];
            public float Label { get; set; }
        }

        public sealed class Scored
        {
            public float Score { get; set; }
        }

        public static IDataView Data(int width, int rows)
        {
            var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(Row));
            schema[nameof(Row.Features)].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, width);
            var data = Enumerable.Range(0, rows).Select(i => new Row
            {
                Features = Enumerable.Range(0, width).Select(j => (float)((7 * i + j) % 100)).ToArray(), Label = i,
            });
            return new MLContext().Data.LoadFromEnumerable(data.ToList(), schema);
        }
    }

    [TestMethod]
    public void CategoricalColumnsAreLearnedAsEmbeddingsAndUnseenValuesStillScore()
    {
        var ml = new MLContext(1);
        var rows = SyntheticTabular.Generate(2000, 1);
        var train = SyntheticTabular.Keyed(ml, rows);
        var test = SyntheticTabular.Keyed(ml, SyntheticTabular.Generate(500, 2), rows);
        var estimator = ml.Deep().Regression.Mlp(Options());
        var model = estimator.Fit(train);
        double withShops = Rmse(ml, model, test);
        double without = Rmse(ml, ml.Deep().Regression.Mlp(Options(categories: false)).Fit(train), test);
        Assert.IsLessThan(0.5 * without, withShops, $"RMSE {withShops:F0} with the shop embedded, {without:F0} without it");

        // A shop the key mapping never saw is key 0: it scores (no exception, a finite price), before and after saving.
        var unseen = SyntheticTabular.Keyed(ml, [new SyntheticTabular.Row { Numbers = [5000, 600], Shop = "harbour", Price = 3000 }], rows);
        Assert.IsTrue(float.IsFinite(ColumnValues.Read(model.Transform(unseen), "Score")[0]));
        EstimatorConformance.Check(ml, estimator, model, train, unseen, "Score");
    }

    [TestMethod]
    public void OneHotCategoriesInTheFeatureVectorAreLearnedAsEmbeddings()
    {
        // The pipeline a new user writes: the shop one-hot, concatenated with the numbers. The MLP finds the shop's slots
        // from the annotation OneHotEncoding sets, learns them as an embedding, and encodes only the two numbers.
        var ml = LoggingContext(out var log);
        var rows = SyntheticTabular.Generate(2000, 1);
        var prepare = ml.Transforms.Categorical.OneHotEncoding("Shop").Append(ml.Transforms.Concatenate("Features", "Numbers", "Shop"))
            .Fit(ml.Data.LoadFromEnumerable(rows));
        IDataView Features(IEnumerable<SyntheticTabular.Row> data) => prepare.Transform(ml.Data.LoadFromEnumerable(data));
        var train = Features(rows);
        var test = Features(SyntheticTabular.Generate(500, 2));
        MlpOptions OneHotOptions(bool embed) => new() { LabelColumnName = "Price", EmbedOneHotSlots = embed, Epochs = 25, LearningRate = 3e-3 };

        var estimator = ml.Deep().Regression.Mlp(OneHotOptions(embed: true));
        var model = estimator.Fit(train);
        Assert.IsTrue(log.Any(m => m.Contains("'Features': 1 one-hot range (6 slots) learned as embeddings, 2 numeric slots")),
            string.Join("\n", log.Where(m => m.Contains("Features"))));
        double embedded = Rmse(ml, model, test);
        double keyed = Rmse(ml, ml.Deep().Regression.Mlp(Options()).Fit(SyntheticTabular.Keyed(ml, rows)),
            SyntheticTabular.Keyed(ml, SyntheticTabular.Generate(500, 2), rows));
        Assert.IsLessThan(1.5 * keyed, embedded, $"RMSE {embedded:F0} from one-hot slots, {keyed:F0} from the shop as a key");

        // A shop the encoding never saw sets no slot: it scores, before and after saving (the ONNX graph selects slots too).
        var unseen = Features([new SyntheticTabular.Row { Numbers = [5000, 600], Shop = "harbour", Price = 3000 }]);
        Assert.IsTrue(float.IsFinite(ColumnValues.Read(model.Transform(unseen), "Score")[0]));
        EstimatorConformance.Check(ml, estimator, model, train, test, "Score");
        // int8 models quantise the tables' MatMul too (every MatMul here). This near-exact fit (RMSE about 20 on prices
        // spread over thousands) loses a few units to 7-bit weights, as the keyed model does (19 → 25).
        var int8 = model.Quantize(new BigModel.MLNet.Export.Int8QuantizationOptions(MinimumWeights: 0));
        double quantised = ml.Regression.Evaluate(int8.Transform(test), labelColumnName: "Price").RootMeanSquaredError;
        Assert.IsLessThan(1.3 * embedded, quantised, $"RMSE {quantised:F0} int8, {embedded:F0} float");

        log.Clear();
        ml.Deep().Regression.Mlp(OneHotOptions(embed: false)).Fit(train);
        Assert.IsFalse(log.Any(m => m.Contains("one-hot range")), "switched off, every slot is a number");

        // A vector of categories only (no numeric slot left) trains, scores and saves as well.
        var shopsOnly = ml.Deep().Regression.Mlp(new MlpOptions { LabelColumnName = "Price", FeatureColumnName = "Shop", Epochs = 2 });
        var shopsModel = shopsOnly.Fit(train);
        Assert.IsTrue(log.Any(m => m.Contains("'Shop': 1 one-hot range (6 slots) learned as embeddings, 0 numeric slots")));
        EstimatorConformance.Check(ml, shopsOnly, shopsModel, train, test, "Score");
    }

    [TestMethod]
    public void AnEmbeddingIsNeverWiderThanTheLayerThatReadsIt()
    {
        // The shop hashed into 4,096 one-hot slots: fastai's rule would give 169 dimensions, but the first hidden layer
        // has 128 units, so the table is 4,096 × 128. The log counts the parameters: the table, the hidden layers, and
        // each ensemble member's scale of the 128 embedded values and its output layer.
        var ml = LoggingContext(out var log);
        var data = ml.Transforms.Categorical.OneHotHashEncoding("Shop", numberOfBits: 12)
            .Fit(ml.Data.LoadFromEnumerable(SyntheticTabular.Generate(200, 1))).Transform(ml.Data.LoadFromEnumerable(SyntheticTabular.Generate(200, 1)));
        var options = new MlpOptions { LabelColumnName = "Price", FeatureColumnName = "Shop", Epochs = 1 };
        ml.Deep().Regression.Mlp(options).Fit(data);
        long expected = 4_096 * 128 + (128 * 128 + 128) + (128 * 64 + 64) + options.EnsembleSize * (128 + 64 + 1);
        Assert.IsTrue(log.Any(m => m == $"MlpRegression: {expected:N0} parameters."), string.Join("\n", log.Where(m => m.Contains("parameters"))));

        Assert.AreEqual(13, BigModel.MLNet.Models.Mlp.TabularMlp.EmbeddingWidth(40, reader: 128), "fastai's width below the cap");
        Assert.AreEqual(600, BigModel.MLNet.Models.Mlp.TabularMlp.EmbeddingWidth(1_000_000, reader: 1_024), "fastai's own cap");
    }

    [TestMethod]
    public void ClassificationNormalisesBatchesByDefaultUnlessABatchWouldHoldOneRow()
    {
        // Batch normalisation adds a scale and a shift per hidden unit (128 + 64) to the parameter count in the log.
        const int normParameters = 2 * (128 + 64);
        var ml = LoggingContext(out var log);
        var binary = SyntheticData.Binary(ml, 40, 1);
        var regression = SyntheticData.Regression(ml, 40, 1);
        long Count(IEstimator<DeepPredictionTransformer> trainer, IDataView data)
        {
            using var model = trainer.Fit(data);
            return Parameters(log);
        }
        MlpOptions With(bool? batchNorm, int batchSize = 8) => new() { Epochs = 1, BatchSize = batchSize, UseBatchNorm = batchNorm };

        long classification = Count(ml.Deep().BinaryClassification.Mlp(With(null)), binary);
        long without = Count(ml.Deep().BinaryClassification.Mlp(With(false)), binary);
        Assert.AreEqual(normParameters, classification - without, "on by default for classification");
        Assert.IsTrue(log.Any(m => m.Contains("Batch normalisation after each hidden layer")), "the log says why");
        Assert.AreEqual(without, Count(ml.Deep().BinaryClassification.Mlp(With(null, batchSize: 1)), binary), "off for batches of one row");
        var oneRow = ml.Data.TakeRows(binary, 1);
        Assert.AreEqual(Count(ml.Deep().BinaryClassification.Mlp(With(false)), oneRow), Count(ml.Deep().BinaryClassification.Mlp(With(null)), oneRow),
            "off for one training row");

        long forRegression = Count(ml.Deep().Regression.Mlp(With(null)), regression);
        Assert.AreEqual(normParameters, Count(ml.Deep().Regression.Mlp(With(true)), regression) - forRegression, "off by default for regression");
    }

    [TestMethod]
    public void AnEnsembleLearnsCountsItsParametersAndSavesAsOne()
    {
        // The shop prices with 8 members (the default) against one network. Each member adds a scale per input value
        // (2 numbers standardised, 2 × 32 bins at most, the shop's embedding) and an output layer; the hidden layers are
        // shared.
        var ml = LoggingContext(out var log);
        var rows = SyntheticTabular.Generate(2000, 1);
        var train = SyntheticTabular.Keyed(ml, rows);
        var test = SyntheticTabular.Keyed(ml, SyntheticTabular.Generate(500, 2), rows);
        var oneNetwork = Options();
        oneNetwork.EnsembleSize = 1;
        var single = ml.Deep().Regression.Mlp(oneNetwork).Fit(train);
        long singleParameters = Parameters(log);
        var options = Options();
        Assert.AreEqual(8, options.EnsembleSize);
        var estimator = ml.Deep().Regression.Mlp(options);
        var model = estimator.Fit(train);
        long ensembleParameters = Parameters(log);

        double ensemble = Rmse(ml, model, test), alone = Rmse(ml, single, test);
        Assert.IsLessThan(100, ensemble, $"RMSE {ensemble:F1} on prices with a standard deviation near 1,300 (one network: {alone:F1})");
        Assert.IsLessThan(1.5 * alone, ensemble, $"RMSE {ensemble:F1} with 8 members, {alone:F1} with one network");
        // The hidden layers are shared: the ensemble adds only 7 more output layers (64 weights and a bias each) and
        // 8 scales per value the first layer reads (more than the 2 numbers, fewer than 2 × 33 encoded values and the shop).
        long scales = ensembleParameters - singleParameters - 7 * 65;
        Assert.AreEqual(0, scales % 8, $"{singleParameters:N0} parameters alone, {ensembleParameters:N0} with 8 members");
        Assert.IsTrue(scales / 8 is > 2 and < 80, $"{scales / 8} values per row read by the first layer");
        EstimatorConformance.Check(ml, estimator, model, train, test, "Score");
    }

    /// <summary>The parameter count of the last fit, from its training log.</summary>
    private static long Parameters(List<string> log) =>
        long.Parse(log.Last(m => m.EndsWith(" parameters.")).Split(' ')[1].Replace(",", ""));

    [TestMethod]
    public void AOneHotEmbeddingGivesEachSetSlotItsRowAndNoSlotZeros()
    {
        // Slots 1..3 are one category, 5..6 another; each row's embedding is its set slot's table row, all-zero slots
        // (an unseen category) give zeros.
        using var embedding = new BigModel.MLNet.Models.OneHotEmbedding([new(1, 3), new(5, 2)], values => 2);
        Assert.AreEqual(4, embedding.Width);
        var tables = embedding.parameters().Select(p => p.data<float>().ToArray()).ToList();
        using var input = TorchSharp.torch.tensor(new float[]
        {
            9, 0, 1, 0, 9, 1, 0,
            9, 0, 0, 0, 9, 0, 0,
        }, [2, 7]);
        using var output = embedding.call(input);
        var values = output.data<float>().ToArray();
        CollectionAssert.AreEqual(tables[0][2..4].Concat(tables[1][0..2]).ToArray(), values[..4], "second slot of the first range, first of the second");
        CollectionAssert.AreEqual(new float[4], values[4..], "no slot set");
    }

    [TestMethod]
    public void CategoricalSlotsOutsideTheVectorAreRefusedWithTheColumnsName()
    {
        var ml = new MLContext(1);
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(SyntheticTabular.Row));
        var annotation = new Microsoft.ML.Data.VBuffer<int>(2, [1, 4]);
        schema[nameof(SyntheticTabular.Row.Numbers)].AddAnnotation("CategoricalSlotRanges", annotation,
            new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Int32, 2));
        var data = ml.Data.LoadFromEnumerable(SyntheticTabular.Generate(50, 1), schema);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.Deep().Regression.Mlp(new MlpOptions { FeatureColumnName = "Numbers", LabelColumnName = "Price", Epochs = 1 }).Fit(data));
        StringAssert.Contains(error.Message, "'Numbers' declares categorical slots 1..4");
    }

    [TestMethod]
    public void HuberLossResistsOutliersInTheLabel()
    {
        // 3% of the training prices are wrong by a factor of 50 (typos); the clean test set shows who was misled.
        var ml = new MLContext(1);
        var rows = SyntheticTabular.Generate(2000, 1);
        var random = new Random(3);
        foreach (var row in rows.Where(_ => random.NextDouble() < 0.03))
            row.Price *= 50;
        var train = SyntheticTabular.Keyed(ml, rows);
        var test = SyntheticTabular.Keyed(ml, SyntheticTabular.Generate(500, 2), rows);
        double Mae(RegressionLoss loss)
        {
            var options = Options();
            options.RegressionLoss = loss;
            return ml.Regression.Evaluate(ml.Deep().Regression.Mlp(options).Fit(train).Transform(test), labelColumnName: "Price").MeanAbsoluteError;
        }
        double squared = Mae(RegressionLoss.SquaredError), huber = Mae(RegressionLoss.Huber);
        Assert.IsLessThan(0.5 * squared, huber, $"MAE {huber:F0} with Huber loss, {squared:F0} with squared error");
    }
}
