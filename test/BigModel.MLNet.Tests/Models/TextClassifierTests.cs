using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Text;
using BigModel.MLNet.Transforms.Text;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Models;

[TestClass]
public class TextClassifierTests
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), $"bigmodel-text-{Environment.ProcessId}");

    /// <summary>A tiny encoder trained from scratch on every row for exactly <paramref name="epochs"/> epochs (the
    /// defaults' validation tenth and early stopping are off: these tests are about other mechanisms).</summary>
    internal static TextClassifierOptions TinyOptions(int epochs) => new TextClassifierOptions
    {
        VocabularyPath = SyntheticText.WriteVocabulary(Folder),
        Config = new BertConfig { HiddenSize = 32, Layers = 2, AttentionHeads = 2, IntermediateSize = 64, MaxPositions = 64 },
        MaxLength = 32, Epochs = epochs, LearningRate = 2e-3, BatchSize = 32, Dropout = 0,
    }.OnEveryRow();

    [TestMethod]
    public void DefaultsKeepTheMostAccurateEpochAndRefitSmallDataOnEveryRow()
    {
        var ml = new MLContext(1);
        var tiny = TinyOptions(epochs: 1);
        // Only the encoder's size and rate are set: epochs, validation and early stopping are the defaults.
        TextClassifierOptions Defaults() => new()
        {
            VocabularyPath = tiny.VocabularyPath, Config = tiny.Config, MaxLength = tiny.MaxLength, LearningRate = tiny.LearningRate, Dropout = 0,
        };
        var data = SyntheticText.Load(ml, 400, 1);
        var test = SyntheticText.Load(ml, 200, 2);

        // From SmallDataRows rows on, a tenth validates and the most accurate epoch is kept.
        var large = Defaults();
        large.SmallDataRows = 400;
        var history = ml.Deep().BinaryClassification.TextClassifier(large).Fit(data).History;
        Assert.IsTrue(history.Epochs.All(e => e.ValidationLoss is not null && e.Rows is > 340 and < 390 && e.Stage is null), "a tenth (drawn at random) validates");
        Assert.AreEqual(MostAccurate(history.Epochs), history.BestEpoch, "the kept epoch is the first of the most accurate on validation");
        Assert.IsLessThanOrEqualTo(10, history.Epochs.Count);

        // Below it (the default, 500 rows), a fifth validates, then a fresh encoder trains on every row for the epochs kept.
        var model = ml.Deep().BinaryClassification.TextClassifier(Defaults()).Fit(data);
        var stages = model.History.Epochs.ToLookup(e => e.Stage);
        var validated = stages["early stopping"].ToList();
        Assert.IsTrue(validated.Count > 0 && validated.All(e => e.ValidationLoss is not null && e.Rows is > 290 and < 345), "a fifth (drawn at random) validates");
        Assert.HasCount(MostAccurate(validated), stages["refit"], "the refit trains as many epochs as the most accurate validation");
        Assert.IsTrue(stages["refit"].All(e => e.ValidationLoss is null && e.Rows == 400), "the refit trains on every row");
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        Assert.IsGreaterThan(0.9, metrics.Accuracy, $"accuracy {metrics.Accuracy:F3} (chance 0.5)");

        // The defaults hold for a handful of rows too: neither side of the split is left empty, and one row trains alone.
        foreach (int rows in new[] { 12, 1 })
        {
            var few = ml.Deep().BinaryClassification.TextClassifier(Defaults()).Fit(SyntheticText.Load(ml, rows, 3)).History;
            Assert.IsTrue(few.Epochs.All(e => e.Rows is > 0 && (e.Rows < rows) == (e.ValidationLoss is not null)), $"{rows} rows");
        }

        static int MostAccurate(IReadOnlyList<EpochMetrics> epochs) => epochs.First(e => e.ValidationAccuracy == epochs.Max(m => m.ValidationAccuracy)).Epoch;
    }

    [TestMethod]
    public void RegressionOnTextAsksForTheLossAsItsStoppingMetric()
    {
        var ml = new MLContext(1);
        var rows = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(i => new ScoredText { Text = i % 2 == 0 ? "great food" : "awful food", Label = i % 2 }));
        var options = TinyOptions(epochs: 1);
        options.ValidationFraction = 0.2;
        options.EarlyStoppingPatience = 1;
        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.Deep().Regression.TextClassifier(options).Fit(rows));
        StringAssert.Contains(error.Message, nameof(TextClassifierOptions.EarlyStoppingMetric));

        options.EarlyStoppingMetric = EarlyStoppingMetric.ValidationLoss;
        var history = ml.Deep().Regression.TextClassifier(options).Fit(rows).History;
        Assert.IsTrue(history.Epochs.Any(e => e.Stage == "early stopping" && e.ValidationLoss is not null), "early stopping ran on the loss (before the small-data refit)");
    }

    private sealed class ScoredText
    {
        public string Text { get; set; } = "";
        public float Label { get; set; }
    }

    [TestMethod]
    public void TinyEncoderFromScratchLearnsKeywordTaskAndSavesWithItsTokenisation()
    {
        var ml = new MLContext(1);
        var train = SyntheticText.Load(ml, 600, 1);
        var test = SyntheticText.Load(ml, 200, 2);
        var estimator = ml.Deep().BinaryClassification.TextClassifier(TinyOptions(epochs: 6));
        var model = estimator.Fit(train);

        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        Assert.IsGreaterThan(0.9, metrics.Accuracy, $"accuracy {metrics.Accuracy:F3} (chance 0.5)");

        // Saved and loaded, the model must tokenise as before: odd texts included.
        var odd = ml.Data.LoadFromEnumerable(new[]
        {
            new SyntheticText.Row { Text = "" },
            new SyntheticText.Row { Text = "Great FOOD, crème brûlée — très bien! 日本語 emoji 🙂 zzzqqq unknownword" },
            new SyntheticText.Row { Text = string.Join(' ', Enumerable.Repeat("the awful food was really great", 200)) },
            new SyntheticText.Row { Text = "[SEP] [CLS] hate" },
        });
        EstimatorConformance.Check(ml, estimator, model, train, odd, "Score", "Probability", "PredictedLabel");
        EstimatorConformance.Check(ml, estimator, model, train, test, "Score", "Probability", "PredictedLabel");
    }

    [TestMethod]
    public void SentencePairsUseBothTexts()
    {
        // The label is whether the second text repeats the first one's keyword: neither text alone tells.
        var random = new Random(3);
        var words = SyntheticText.Positive.Concat(SyntheticText.Negative).ToArray();
        PairRow Pair()
        {
            string a = words[random.Next(words.Length)];
            bool same = random.Next(2) == 0;
            string b = same ? a : words.Where(w => w != a).ElementAt(random.Next(words.Length - 1));
            return new PairRow { First = $"the {a} food", Second = $"it was {b}", Label = same };
        }
        var ml = new MLContext(1);
        var options = TinyOptions(epochs: 12);
        options.TextColumnName = "First";
        options.SecondTextColumnName = "Second";
        var counts = new List<long>();
        // Tensor counts are per thread: read batches in step so that every tensor is made and freed on this one.
        options.PrefetchBatches = 0;
        options.EpochEnded = _ => counts.Add(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        var estimator = ml.Deep().BinaryClassification.TextClassifier(options);
        var train = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 800).Select(_ => Pair()).ToList());
        var test = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 300).Select(_ => Pair()).ToList());
        var model = estimator.Fit(train);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        Assert.IsGreaterThan(0.8, metrics.Accuracy, $"accuracy {metrics.Accuracy:F3} (chance 0.5)");
        Assert.AreEqual(counts[1], counts[^1], $"live tensors after each epoch: {string.Join(", ", counts)}");
        EstimatorConformance.Check(ml, estimator, model, train, test, "Score", "Probability", "PredictedLabel");
    }

    private sealed class PairRow
    {
        public string First { get; set; } = "";
        public string Second { get; set; } = "";
        public bool Label { get; set; }
    }

    [TestMethod]
    public void FrozenEmbeddingsAndLowerLayersStayAsTheyWere()
    {
        var options = TinyOptions(epochs: 2);
        options.FreezeEmbeddings = true;
        options.FrozenLayers = 1;
        var vocabulary = BertVocabulary.Load(options.VocabularyPath!);
        var encoder = new WordPieceEncoder(vocabulary, LowerCase: true);
        manual_seed(1);
        using var built = TextClassifierBuilder.Build(options, vocabulary, outputs: 1);
        var network = (TextClassifierNetwork)built.Network.Module;
        var watched = new Dictionary<string, Tensor>
        {
            ["word embeddings"] = network.encoder.words.weight!, ["layer 0"] = network.encoder.layers[0].query.weight!,
            ["layer 1"] = network.encoder.layers[1].query.weight!, ["head"] = network.head.weight!,
        };
        var before = watched.ToDictionary(w => w.Key, w => w.Value.detach().clone());

        var rows = SyntheticText.Generate(64, 1).ToList();
        var ids = rows.Select(r => encoder.Encode(r.Text)).ToList();
        int width = ids.Max(i => i.Count);
        using var inputs = tensor(ids.SelectMany(i => i.Select(id => (long)id).Concat(Enumerable.Repeat(-1L, width - i.Count))).ToArray(), [64, width]);
        using var targets = tensor(rows.Select(r => r.Label ? 1f : 0f).ToArray());
        using var source = new InMemoryBatchSource(inputs, targets, 16);
        new TrainingLoop(options, new Logistic(), TrainingContext.Cpu(1)).Run(built.Network, source, null);

        Assert.IsTrue(before["word embeddings"].allclose(watched["word embeddings"], 0, 0), "frozen embeddings unchanged");
        Assert.IsTrue(before["layer 0"].allclose(watched["layer 0"], 0, 0), "frozen first layer unchanged");
        Assert.IsFalse(before["layer 1"].allclose(watched["layer 1"], 0, 0), "second layer trained");
        Assert.IsFalse(before["head"].allclose(watched["head"], 0, 0), "head trained");
    }

    [TestMethod]
    public void LayerwiseDecayGivesLowerLayersSmallerRates()
    {
        var options = TinyOptions(epochs: 1);
        options.LayerwiseLearningRateDecay = 0.8;
        options.FrozenLayers = 1;
        var vocabulary = BertVocabulary.Load(options.VocabularyPath!);
        using var built = TextClassifierBuilder.Build(options, vocabulary, outputs: 1);
        var groups = built.Network.ParameterGroups();
        // Embeddings, layer 0 (frozen), layer 1, head — two layers in the tiny encoder.
        CollectionAssert.AreEqual(new[] { 0.512, 0.64, 0.8, 1.0 }, groups.Select(g => Math.Round(g.LearningRateScale, 12)).ToArray());
        CollectionAssert.AreEqual(new[] { 0, int.MaxValue, 0, 0 }, groups.Select(g => g.FrozenEpochs).ToArray());
        Assert.AreEqual(built.Network.Module.parameters().Count(), groups.Sum(g => g.Parameters.Count), "every parameter in exactly one group");
    }

    private sealed class Logistic : ITrainingTask
    {
        public LossFunction Loss => (output, target) =>
            nn.functional.binary_cross_entropy_with_logits(output.squeeze(-1), target, reduction: nn.Reduction.None);
        public bool IsClassification => false;
        public long CountCorrect(Tensor output, Tensor target) => 0;
    }

    [TestMethod]
    public void BadInputGivesClearErrors()
    {
        var ml = new MLContext(1);
        var missing = TinyOptions(1);
        missing.VocabularyPath = Path.Combine(Folder, "no-such-vocab.txt");
        var error = Assert.ThrowsExactly<FileNotFoundException>(() => ml.Deep().BinaryClassification.TextClassifier(missing));
        StringAssert.Contains(error.Message, "no-such-vocab.txt");

        string gap = Path.Combine(Folder, "vocab-with-gap.txt");
        File.WriteAllLines(gap, ["[PAD]", "[UNK]", "", "[CLS]", "[SEP]", "food"]);
        var empty = Assert.ThrowsExactly<InvalidDataException>(() => BertVocabulary.Load(gap));
        StringAssert.Contains(empty.Message, "line 3");

        var numbers = ml.Data.LoadFromEnumerable(new[] { new NumberRow { Text = 1, Label = true }, new NumberRow { Text = 2, Label = false } });
        var wrongType = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Deep().BinaryClassification.TextClassifier(TinyOptions(1)).Fit(numbers));
        StringAssert.Contains(wrongType.Message, "'Text'");

        var tooLong = TinyOptions(1);
        tooLong.MaxLength = 100; // the tiny encoder has 64 positions
        var length = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Deep().BinaryClassification.TextClassifier(tooLong).Fit(SyntheticText.Load(ml, 10, 1)));
        StringAssert.Contains(length.Message, "64 positions");
    }

    [TestMethod]
    public void LengthSortedScoringKeepsRowOrderAndValues()
    {
        // Texts of 1 to 60 words in random order: scored in length-sorted groups inside a batch, each row must get what
        // it gets scored alone, in its own place.
        var ml = new MLContext(1);
        var model = ml.Deep().BinaryClassification.TextClassifier(TinyOptions(epochs: 1)).Fit(SyntheticText.Load(ml, 100, 1));
        var random = new Random(5);
        var texts = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 300).Select(_ => new SyntheticText.Row
        {
            Text = string.Join(' ', Enumerable.Range(0, random.Next(1, 60)).Select(_ => SyntheticText.Filler[random.Next(SyntheticText.Filler.Length)])),
        }).ToList());
        var batched = ColumnValues.Read(model.Transform(texts), "Score");
        model.ScoringBatchSize = 1;
        var alone = ColumnValues.Read(model.Transform(texts), "Score");
        CollectionAssert.That.AreClose(alone, batched, 1e-5f);
    }

    [TestMethod]
    public void AnyDotNetStringIsValidTextBeforeAndAfterSaving()
    {
        // Lone UTF-16 surrogates are legal in .NET strings but not in Unicode: they read as U+FFFD (as UTF-8 decoding
        // would), in training, in Transform and in a loaded model alike.
        var ml = new MLContext(1);
        string[] odd = ["great \uD800 food", "\uDC00", "bad\uD83D", "\uDC00\uD83D\uDE00 love", "ok \uD83D\uDE00 awful"];
        var rows = SyntheticText.Generate(60, 1).ToList();
        for (int i = 0; i < odd.Length; i++)
            rows[i * 7].Text = odd[i];
        var train = ml.Data.LoadFromEnumerable(rows);
        var estimator = ml.Deep().BinaryClassification.TextClassifier(TinyOptions(epochs: 1));
        var model = estimator.Fit(train);
        var test = ml.Data.LoadFromEnumerable(odd.Select(text => new SyntheticText.Row { Text = text }).ToList());
        EstimatorConformance.Check(ml, estimator, model, train, test, "Score", "Probability", "PredictedLabel");

        var encoder = new WordPieceEncoder(BertVocabulary.Load(TinyOptions(1).VocabularyPath!), LowerCase: true);
        CollectionAssert.AreEqual(encoder.Encode("great \uFFFD food"), encoder.Encode("great \uD800 food"), "a lone surrogate is U+FFFD");
    }

    private sealed class NumberRow
    {
        public float Text { get; set; }
        public bool Label { get; set; }
    }
}
