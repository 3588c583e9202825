using System.Diagnostics;
using System.Globalization;
using BigModel.MLNet.Models.Recommender;
using Microsoft.ML;

namespace BigModel.MLNet.Examples.Quality;

/// <summary>
/// MovieTweetings ratings (the given 90k/10k split, cold-start rows included): matrix factorisation and NeuMF against
/// the bias model (global mean + user and item offsets) for explicit ratings, and against item popularity (the bias
/// model of implicit feedback) for HitRate@10 among 99 sampled movies. ML.NET's own matrix factorisation
/// (Microsoft.ML.Recommender) is not available here, so the bias model is the baseline. Every fit gets a fresh context
/// with the same seed, so every model holds out the same tenth of the training ratings for validation as the bias model
/// does: with one context shared by all fits each drew its own tenth, and that alone moved a model's test RMSE by up to
/// 0.005 (the bias model's own spread over context seeds 1–5), more than the gaps the report compares.
/// </summary>
internal static class RecommenderSuite
{
    private sealed class Rating
    {
        public string UserId { get; set; } = "";
        public string ItemId { get; set; } = "";
        public float Label { get; set; }
    }

    public static void Run(Report report, bool quick)
    {
        const string name = "movietweetings-100k";
        var ml = new MLContext(seed: 1);
        IEnumerable<Rating> Read(string file) => File.ReadLines(ExampleArguments.SharedData(name, file)).Skip(1)
            .Select(line => line.Split(','))
            .Select(f => new Rating { UserId = f[0], ItemId = f[1], Label = float.Parse(f[2], CultureInfo.InvariantCulture) });
        var rawTrain = ml.Data.LoadFromEnumerable(Read("ratings-train.csv").Where((_, i) => !quick || i % 5 == 0).ToList());
        var toKeys = ml.Transforms.Conversion.MapValueToKey("UserId").Append(ml.Transforms.Conversion.MapValueToKey("ItemId")).Fit(rawTrain);
        var train = ml.Data.Cache(toKeys.Transform(rawTrain));
        var test = ml.Data.Cache(toKeys.Transform(ml.Data.LoadFromEnumerable(Read("ratings-test.csv").ToList())));
        int epochs = quick ? 2 : 20;
        RecommenderOptions Options(RecommenderArchitecture architecture, FeedbackKind feedback) => new()
        {
            Architecture = architecture, Feedback = feedback, Epochs = epochs, ValidationFraction = 0.1, EarlyStoppingPatience = 3,
        };

        var (biasRmse, _) = Explicit(Options(RecommenderArchitecture.Biases, FeedbackKind.Explicit));
        foreach (var architecture in new[] { RecommenderArchitecture.MatrixFactorization, RecommenderArchitecture.NeuMF })
        {
            var (rmse, minutes) = Explicit(Options(architecture, FeedbackKind.Explicit));
            report.Add(new ReportRow(name, $"{architecture}, ratings", "RMSE", rmse, biasRmse, "biases (ours)", minutes, LowerIsBetter: true));
        }

        var (popularity, _) = Implicit(Options(RecommenderArchitecture.Biases, FeedbackKind.Implicit));
        foreach (var architecture in new[] { RecommenderArchitecture.MatrixFactorization, RecommenderArchitecture.NeuMF })
        {
            var (hitRate, minutes) = Implicit(Options(architecture, FeedbackKind.Implicit));
            report.Add(new ReportRow(name, $"{architecture}, implicit", "HR@10", hitRate, popularity, "popularity (ours)", minutes, LowerIsBetter: false));
        }
        report.PrintDataset(name);

        DeepPredictionTransformer Fit(RecommenderOptions options) => new MLContext(seed: 1).Deep().Recommendation.Recommender(options).Fit(train);

        (double Rmse, double Minutes) Explicit(RecommenderOptions options)
        {
            var clock = Stopwatch.StartNew();
            var model = Fit(options);
            double minutes = clock.Elapsed.TotalMinutes;
            double rmse = ml.Regression.Evaluate(model.Transform(test)).RootMeanSquaredError;
            Console.WriteLine($"  {options.Architecture}, ratings: RMSE {rmse:F4}");
            return (rmse, minutes);
        }

        (double HitRate, double Minutes) Implicit(RecommenderOptions options)
        {
            var clock = Stopwatch.StartNew();
            var model = Fit(options);
            double minutes = clock.Elapsed.TotalMinutes;
            double hitRate = ml.Deep().Recommendation.EvaluateRanking(model, test, knownInteractions: train, k: 10, negatives: 99, seed: 1).HitRate;
            Console.WriteLine($"  {options.Architecture}, implicit: HR@10 {hitRate:F4}");
            return (hitRate, minutes);
        }
    }
}
