using BigModel.MLNet.Models.Recommender;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace BigModel.MLNet.Tests.Models;

[TestClass]
public class RecommenderTests
{
    private static readonly SyntheticRatings Ratings = new(seed: 3);

    private static RecommenderOptions Options(RecommenderArchitecture architecture) => new()
    {
        Architecture = architecture, Epochs = 40, EmbeddingSize = 16, LearningRate = 1e-2, BatchSize = 256,
    };

    [TestMethod]
    public void FactorisationModelsRecoverHeldOutRatingsFarBetterThanBiases()
    {
        var ml = new MLContext(1);
        var (train, test, _) = Ratings.Load(ml);
        double Rmse(RecommenderArchitecture architecture) =>
            ml.Regression.Evaluate(ml.Deep().Recommendation.Recommender(Options(architecture)).Fit(train).Transform(test)).RootMeanSquaredError;

        double biases = Rmse(RecommenderArchitecture.Biases);
        double factorization = Rmse(RecommenderArchitecture.MatrixFactorization);
        double neuMf = Rmse(RecommenderArchitecture.NeuMF);
        Console.WriteLine($"RMSE: biases {biases:F3}, MF {factorization:F3}, NeuMF {neuMf:F3}");
        // The interaction term carries most of the variance (1.5·p·q has standard deviation ≈ 2.6, noise 0.3).
        Assert.IsLessThan(0.5 * biases, factorization, $"MF {factorization:F3} vs biases {biases:F3}");
        Assert.IsLessThan(0.7 * biases, neuMf, $"NeuMF {neuMf:F3} vs biases {biases:F3}");
    }

    [TestMethod]
    public void UnseenUsersAndItemsFallBackToTheKnownBiases()
    {
        var ml = new MLContext(1);
        var (train, _, toKeys) = Ratings.Load(ml);
        var model = ml.Deep().Recommendation.NeuMF(embeddingSize: 8, epochs: 3).Fit(train);
        var rows = new[]
        {
            new SyntheticRatings.Rating { UserId = "new-user-1", ItemId = "i5" },
            new SyntheticRatings.Rating { UserId = "new-user-2", ItemId = "i5" },
            new SyntheticRatings.Rating { UserId = "new-user-1", ItemId = "new-item-1" },
            new SyntheticRatings.Rating { UserId = "u7", ItemId = "new-item-2" },
            new SyntheticRatings.Rating { UserId = "new-user-3", ItemId = "new-item-3" },
        };
        var scores = ColumnValues.Read(model.Transform(toKeys.Transform(ml.Data.LoadFromEnumerable(rows))), "Score");
        Assert.IsTrue(scores.All(float.IsFinite));
        Assert.AreEqual(scores[0], scores[1], "two unknown users get the same score for an item: global + item bias");
        Assert.AreEqual(scores[2], scores[4], "unknown user and item: the global bias alone");
        Assert.AreNotEqual(scores[2], scores[3], "a known user keeps their own bias for an unknown item");
    }

    [TestMethod]
    public void SavedModelScoresIdenticallyAndKeepsItsTopK()
    {
        var ml = new MLContext(1);
        var (train, test, _) = Ratings.Load(ml);
        var estimator = ml.Deep().Recommendation.MatrixFactorization(embeddingSize: 8, epochs: 5);
        var model = estimator.Fit(train);
        EstimatorConformance.Check(ml, estimator, model, train, test, "Score");

        string path = Path.Combine(Path.GetTempPath(), $"recommender-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, train.Schema, path);
        var fresh = new MLContext();
        fresh.Deep();
        var loaded = fresh.Model.Load(path, out var schema);
        File.Delete(path);

        uint[] seen = [1, 2, 3];
        var before = ml.Deep().Recommendation.RecommendTopK(model, train.Schema, user: 5, k: 10, exclude: seen);
        var after = fresh.Deep().Recommendation.RecommendTopK(loaded, schema, user: 5, k: 10, exclude: seen);
        Assert.HasCount(10, before);
        CollectionAssert.AreEqual(before.Select(s => s.Item).ToList(), after.Select(s => s.Item).ToList());
        Assert.IsFalse(before.Any(s => seen.Contains(s.Item)), "seen items are excluded");
        Assert.IsTrue(before.Zip(before.Skip(1)).All(p => p.First.Score >= p.Second.Score), "best first");
    }

    [TestMethod]
    [DataRow(ImplicitLoss.BinaryCrossEntropy)]
    [DataRow(ImplicitLoss.Bpr)]
    public void ImplicitFeedbackRanksHeldOutInteractionsFarAboveChance(ImplicitLoss loss)
    {
        var ml = new MLContext(1);
        // Interactions: the items each user rated highly. Leave each user's latest one out.
        var liked = ml.Data.LoadFromEnumerable(Ratings.Train.Concat(Ratings.Test).Where(r => r.Label > 6.5f).ToList());
        var keyed = ml.Transforms.Conversion.MapValueToKey("UserId").Append(ml.Transforms.Conversion.MapValueToKey("ItemId")).Fit(liked).Transform(liked);
        var recommendation = ml.Deep().Recommendation;
        var (train, test) = recommendation.LeaveOneOutSplit(keyed, "UserId", orderColumnName: "Time");

        var model = recommendation.Recommender(new RecommenderOptions
        {
            Feedback = FeedbackKind.Implicit, ImplicitLoss = loss, Architecture = RecommenderArchitecture.MatrixFactorization,
            EmbeddingSize = 8, Epochs = 40, LearningRate = 1e-2, NegativeRatio = 4, EmbeddingRegularization = 0.005,
        }).Fit(train);
        var metrics = recommendation.EvaluateRanking(model, test, train, k: 10, negatives: 99, seed: 1);
        Console.WriteLine($"{loss}: HR@10 {metrics.HitRate:F3}, NDCG@10 {metrics.Ndcg:F3} over {metrics.Cases} users");
        // Ranking the held-out item among 100 candidates at random gives HR@10 = 0.10 and NDCG@10 ≈ 0.046.
        Assert.IsGreaterThan(0.25, metrics.HitRate);
        Assert.IsGreaterThan(0.11, metrics.Ndcg);
    }

    [TestMethod]
    public void DefaultImplicitFactorisationRanksBetterThanPopularity()
    {
        // Four groups of users, each interacting with its own 15 of 60 items (a few items popular with everyone): what a
        // user will touch next follows its group, which popularity cannot see and the default (BPR) factorisation must.
        var random = new Random(5);
        var rows = new List<SyntheticRatings.Rating>();
        for (int user = 0; user < 200; user++)
        {
            for (int n = 0; n < 12; n++)
            {
                int item = random.NextDouble() < 0.2 ? random.Next(5) : user % 4 * 15 + random.Next(15);
                rows.Add(new SyntheticRatings.Rating { UserId = $"u{user}", ItemId = $"i{item}", Time = n });
            }
        }
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var keyed = ml.Transforms.Conversion.MapValueToKey("UserId").Append(ml.Transforms.Conversion.MapValueToKey("ItemId")).Fit(data).Transform(data);
        var recommendation = ml.Deep().Recommendation;
        var (train, test) = recommendation.LeaveOneOutSplit(keyed, "UserId", orderColumnName: "Time");
        double HitRate(RecommenderArchitecture architecture) => recommendation.EvaluateRanking(
            recommendation.Recommender(new RecommenderOptions { Feedback = FeedbackKind.Implicit, Architecture = architecture, EmbeddingSize = 8, Epochs = 30 }).Fit(train),
            test, train, k: 10, negatives: 49, seed: 1).HitRate;

        double popularity = HitRate(RecommenderArchitecture.Biases), factorisation = HitRate(RecommenderArchitecture.MatrixFactorization);
        double neuMf = HitRate(RecommenderArchitecture.NeuMF);
        Assert.AreEqual(ImplicitLoss.Bpr, new RecommenderOptions().ImplicitLoss);
        Assert.IsGreaterThan(popularity + 0.1, factorisation, $"HR@10: popularity {popularity:F3}, factorisation {factorisation:F3}");
        Assert.IsGreaterThan(popularity + 0.1, neuMf, $"HR@10: popularity {popularity:F3}, NeuMF {neuMf:F3}");
    }

    [TestMethod]
    public void NeuMFTrainsInStagesAndEachStageCanStandForTheWholeNetwork()
    {
        // ReduceTo(stage) must make the whole NeuMF network compute exactly what that stage computed: it is where the
        // NeuMF stage starts (the trained factorisation) and what a fit ends as when an earlier stage validated best.
        var options = new RecommenderOptions { Architecture = RecommenderArchitecture.NeuMF, EmbeddingSize = 4, MlpLayers = [6] };
        using var network = new RecommenderNetwork(users: 5, items: 4, globalBias: 3, userFeatureWidth: 0, itemFeatureWidth: 0, options);
        using (torch.no_grad())
        {
            foreach (var bias in network.BiasParameters.Skip(1))
                torch.nn.init.normal_(bias);
        }
        using var users = torch.tensor(new long[] { 1, 2, 3, 5, 0, 4 });
        using var items = torch.tensor(new long[] { 1, 4, 2, 3, 2, 0 });
        float[] Scores(RecommenderArchitecture active)
        {
            network.Active = active;
            using var output = network.Forward([users, items]);
            return output.data<float>().ToArray();
        }

        network.eval();
        var full = Scores(RecommenderArchitecture.NeuMF);
        Assert.IsTrue(full.Zip(Scores(RecommenderArchitecture.MatrixFactorization)).Any(p => Math.Abs(p.First - p.Second) > 1e-3), "the towers add to the dot product");
        network.ReduceTo(RecommenderArchitecture.MatrixFactorization);
        CollectionAssert.That.AreClose(Scores(RecommenderArchitecture.MatrixFactorization), Scores(RecommenderArchitecture.NeuMF), 1e-6f);
        network.ReduceTo(RecommenderArchitecture.Biases);
        CollectionAssert.That.AreClose(Scores(RecommenderArchitecture.Biases), Scores(RecommenderArchitecture.NeuMF), 1e-6f);
        CollectionAssert.AreEqual(new[] { RecommenderArchitecture.Biases, RecommenderArchitecture.MatrixFactorization, RecommenderArchitecture.NeuMF },
            network.Stages.Select(s => s.Stage).ToArray());

        var ml = new MLContext(1);
        var (train, _, _) = Ratings.Load(ml);
        var reports = new ProgressReports();
        var history = ml.Deep().Recommendation.Recommender(new RecommenderOptions
        {
            Architecture = RecommenderArchitecture.NeuMF, EmbeddingSize = 8, Epochs = 2, Progress = reports,
        }).Fit(train).History;
        string[] stages = ["biases", "biases", "factorization", "factorization", "neumf", "neumf"];
        CollectionAssert.AreEqual(stages, history.Epochs.Select(e => e.Stage).ToArray());
        CollectionAssert.AreEqual(stages, reports.Where(r => r.Batch == r.BatchesPerEpoch).Select(r => r.Stage).ToArray(), "progress names each stage");
    }

    [TestMethod]
    public void HitRateAndNdcgMatchHandComputedValues()
    {
        // Ranks 0, 3, 12 and 9 at K = 10: three hits; gains 1/log2(2), 1/log2(5), 0, 1/log2(11).
        var metrics = TopKMetrics.FromRanks([0, 3, 12, 9], k: 10);
        Assert.AreEqual(0.75, metrics.HitRate, 1e-12);
        Assert.AreEqual((1 + 1 / Math.Log2(5) + 1 / Math.Log2(11)) / 4, metrics.Ndcg, 1e-12);
        Assert.AreEqual(4, metrics.Cases);
        Assert.AreEqual(0.5, TopKMetrics.FromRanks([0, 1], k: 1).HitRate);
        Assert.AreEqual(0.5, TopKMetrics.FromRanks([0, 1], k: 1).Ndcg, 1e-12);
        Assert.ThrowsExactly<ArgumentException>(() => TopKMetrics.FromRanks([], k: 10));
    }

    [TestMethod]
    public void FactorisationFallsBackToTheBiasModelWhenFactorsValidateWorse()
    {
        // Ratings that are offsets plus noise: factors can only fit noise. Trained in stages, MF must end as the bias
        // model itself: every score is global + user + item offset, with no interaction left, and the same scores as
        // Architecture = Biases gives with the same seed.
        var random = new Random(4);
        var userOffset = Enumerable.Range(0, 60).Select(_ => random.NextDouble() * 2).ToArray();
        var itemOffset = Enumerable.Range(0, 40).Select(_ => random.NextDouble() * 2).ToArray();
        var rows = Enumerable.Range(0, 1500).Select(_ =>
        {
            int u = random.Next(60), i = random.Next(40);
            return new SyntheticRatings.Rating { UserId = $"u{u}", ItemId = $"i{i}", Label = (float)(5 + userOffset[u] + itemOffset[i] + 1.5 * (random.NextDouble() - 0.5)) };
        }).ToList();
        IDataView Keyed(MLContext context)
        {
            var data = context.Data.LoadFromEnumerable(rows);
            return context.Transforms.Conversion.MapValueToKey("UserId").Append(context.Transforms.Conversion.MapValueToKey("ItemId")).Fit(data).Transform(data);
        }
        RecommenderOptions Options(RecommenderArchitecture architecture) => new()
        {
            Architecture = architecture, Epochs = 40, EmbeddingSize = 16, EmbeddingRegularization = 0, ValidationFraction = 0.2, LearningRate = 2e-2,
            EarlyStoppingPatience = 3,
        };
        var train = Keyed(new MLContext(1));
        var factorised = new MLContext(1).Deep().Recommendation.Recommender(Options(RecommenderArchitecture.MatrixFactorization)).Fit(train);
        var history = factorised.History;
        Assert.AreEqual("biases", history.Epochs[history.BestEpoch!.Value - 1].Stage, "the bias stage validated best");
        var recommend = new MLContext(1).Deep().Recommendation;
        float Score(uint user, uint item) => recommend.RecommendTopK(factorised, train.Schema, user, k: 40).Single(s => s.Item == item).Score;
        for (uint user = 2; user <= 6; user++)
            for (uint item = 2; item <= 6; item++)
                Assert.AreEqual(0, Score(user, item) - Score(user, 1) - Score(1, item) + Score(1, 1), 1e-4, $"interaction of user {user} and item {item}");
        var biases = new MLContext(1).Deep().Recommendation.Recommender(Options(RecommenderArchitecture.Biases)).Fit(train);
        CollectionAssert.That.AreClose(ColumnValues.Read(biases.Transform(train), "Score"), ColumnValues.Read(factorised.Transform(train), "Score"), 1e-5f);
    }

    [TestMethod]
    public void RankingEvaluationRefusesWhatItCannotRankInsteadOfReportingPerfectScores()
    {
        var ml = new MLContext(1);
        // User "a" has seen all four items; user "b" has seen one. Only "b" can be ranked against 3 unseen items.
        var rows = new[] { ("a", "1"), ("a", "2"), ("a", "3"), ("a", "4"), ("b", "1"), ("b", "2") }
            .Select(p => new SyntheticRatings.Rating { UserId = p.Item1, ItemId = p.Item2, Label = 1 }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var keyed = ml.Transforms.Conversion.MapValueToKey("UserId").Append(ml.Transforms.Conversion.MapValueToKey("ItemId")).Fit(data).Transform(data);
        var recommendation = ml.Deep().Recommendation;
        var model = recommendation.Recommender(new RecommenderOptions { Feedback = FeedbackKind.Implicit, Epochs = 1, EmbeddingSize = 4 }).Fit(keyed);
        var (train, test) = recommendation.LeaveOneOutSplit(keyed, "UserId");

        Assert.AreEqual("negatives", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => recommendation.EvaluateRanking(model, test, train, k: 1, negatives: -5)).ParamName);
        Assert.AreEqual("k", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => recommendation.EvaluateRanking(model, test, train, k: 5, negatives: 2)).ParamName,
            "k at or above the candidate count makes every case a hit");

        var metrics = recommendation.EvaluateRanking(model, test, train, k: 1, negatives: 2);
        Assert.AreEqual(1, metrics.Cases, "user b only");
        Assert.AreEqual(1, metrics.SkippedCases, "user a has no unseen items to rank against");
        var none = Assert.ThrowsExactly<InvalidOperationException>(() => recommendation.EvaluateRanking(model, test, train, k: 1, negatives: 3));
        StringAssert.Contains(none.Message, "None of the 2 test rows");

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => recommendation.RecommendTopK(model, keyed.Schema, user: 9, k: 2));
        Assert.AreEqual("user", error.ParamName);
        Assert.HasCount(2, recommendation.RecommendTopK(model, keyed.Schema, user: 0, k: 2), "the unknown user (key 0) gets recommendations by bias");
    }

    [TestMethod]
    public void LeaveOneOutHoldsOutEachUsersLatestInteraction()
    {
        var ml = new MLContext(1);
        var rows = new[]
        {
            new SyntheticRatings.Rating { UserId = "a", ItemId = "x", Time = 5 },
            new SyntheticRatings.Rating { UserId = "a", ItemId = "y", Time = 9 },
            new SyntheticRatings.Rating { UserId = "a", ItemId = "z", Time = 1 },
            new SyntheticRatings.Rating { UserId = "b", ItemId = "x", Time = 3 },
            new SyntheticRatings.Rating { UserId = "c", ItemId = "y", Time = 2 },
            new SyntheticRatings.Rating { UserId = "c", ItemId = "z", Time = 8 },
        };
        var data = ml.Data.LoadFromEnumerable(rows);
        var keyed = ml.Transforms.Conversion.MapValueToKey("UserId").Fit(data).Transform(data);
        var (train, test) = ml.Deep().Recommendation.LeaveOneOutSplit(keyed, "UserId", "Time");
        CollectionAssert.AreEqual(new[] { "a/y", "c/z" }, Pairs(test));
        CollectionAssert.AreEqual(new[] { "a/x", "a/z", "b/x", "c/y" }, Pairs(train), "single-interaction users stay in training");

        static string[] Pairs(IDataView view) => view.GetColumn<string>("ItemId").Zip(
            new MLContext().Transforms.Conversion.MapKeyToValue("User", "UserId").Fit(view).Transform(view).GetColumn<string>("User"),
            (item, user) => $"{user}/{item}").ToArray();
    }

    [TestMethod]
    public void NeuMFTakesSideFeaturesAndSavesThem()
    {
        var ml = new MLContext(1);
        var (train, test, _) = Ratings.Load(ml);
        // A side feature vector per row (here from the rating's time, as two slots).
        var withFeatures = ml.Transforms.CustomMapping<TimeRow, ItemFeatures>((input, output) =>
            output.Genres = [input.Time / 1000f, 1f], contractName: null);
        var featurizer = withFeatures.Fit(train);
        var (featuredTrain, featuredTest) = (featurizer.Transform(train), featurizer.Transform(test));
        var estimator = ml.Deep().Recommendation.Recommender(new RecommenderOptions
        {
            Architecture = RecommenderArchitecture.NeuMF, ItemFeatureColumnName = "Genres", Epochs = 3, EmbeddingSize = 8,
        });
        var model = estimator.Fit(featuredTrain);
        CollectionAssert.Contains(model.InputColumnNames.ToList(), "Genres");
        var scores = ColumnValues.Read(model.Transform(featuredTest), "Score");
        Assert.IsTrue(scores.All(float.IsFinite));

        var implicitWithItemFeatures = new RecommenderOptions { Feedback = FeedbackKind.Implicit, Architecture = RecommenderArchitecture.NeuMF, ItemFeatureColumnName = "Genres" };
        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.Deep().Recommendation.Recommender(implicitWithItemFeatures));
        Assert.AreEqual(nameof(RecommenderOptions.ItemFeatureColumnName), error.ParamName);
    }

    public sealed class TimeRow
    {
        public float Time { get; set; }
    }

    public sealed class ItemFeatures
    {
        [VectorType(2)] public float[] Genres { get; set; } = [];
    }

    [TestMethod]
    public void BadInputIsNamed()
    {
        var ml = new MLContext(1);
        var recommendation = ml.Deep().Recommendation;
        var raw = ml.Data.LoadFromEnumerable(Ratings.Train.Take(50).ToList());
        var notKeys = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => recommendation.MatrixFactorization(epochs: 1).Fit(raw));
        StringAssert.Contains(notKeys.Message, "'UserId'");
        StringAssert.Contains(notKeys.Message, "MapValueToKey");

        var rows = Ratings.Train.Take(50).Select(r => new SyntheticRatings.Rating { UserId = r.UserId, ItemId = r.ItemId, Label = r.Label }).ToList();
        rows[10].Label = -1;
        var toKeys = ml.Transforms.Conversion.MapValueToKey("UserId").Append(ml.Transforms.Conversion.MapValueToKey("ItemId"));
        var negative = toKeys.Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => recommendation.MatrixFactorization(epochs: 1).Fit(negative));
        StringAssert.Contains(error.Message, "'Label'");
        StringAssert.Contains(error.Message, "-1");

        rows[10].Label = float.NaN;
        var missing = toKeys.Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => recommendation.MatrixFactorization(epochs: 1).Fit(missing)).Message, "NaN");

        var empty = ml.Data.FilterRowsByColumn(negative, "Label", lowerBound: 100, upperBound: 200);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => recommendation.MatrixFactorization(epochs: 1).Fit(empty)).Message, "no rows");
    }

    [TestMethod]
    public void StagedTrainingRefusesToRefitOnEveryRow()
    {
        var ml = new MLContext(1);
        var rows = Ratings.Train.Take(50).Select(r => new SyntheticRatings.Rating { UserId = r.UserId, ItemId = r.ItemId, Label = r.Label }).ToList();
        var toKeys = ml.Transforms.Conversion.MapValueToKey("UserId").Append(ml.Transforms.Conversion.MapValueToKey("ItemId"));
        var data = toKeys.Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var options = new RecommenderOptions { Epochs = 1, ValidationFraction = 0.2, EarlyStoppingPatience = 1, RefitOnEveryRow = true };
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Deep().Recommendation.Recommender(options).Fit(data));
        Assert.AreEqual("RefitOnEveryRow", error.ParamName);
        StringAssert.Contains(error.Message, "stages");

        // The small-data rule turns the refit on for 50 rows under its limit, and the message says which option to change.
        options.RefitOnEveryRow = false;
        options.SmallDataRows = 100;
        error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Deep().Recommendation.Recommender(options).Fit(data));
        StringAssert.Contains(error.Message, "SmallDataRows");
        options.SmallDataRows = 50; // 50 rows are not fewer than 50
        Assert.IsNotNull(ml.Deep().Recommendation.Recommender(options).Fit(data).History.BestEpoch);
    }
}
