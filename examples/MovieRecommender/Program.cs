// Movie recommendations on MovieTweetings (ratings 0-10, very sparse, cold-start rows in the test split).
//
//   dotnet run --project examples/MovieRecommender -c Release -- [ratings-train.csv] [ratings-test.csv] [movies.dat] [--epochs N]
//
// Explicit ratings: RMSE of the global mean, the bias-only model, matrix factorisation, NeuMF and NeuMF with genre
// features. Implicit feedback (every rating as an interaction): HitRate@10 and NDCG@10 of the test interactions
// ranked among 99 sampled movies.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BigModel.MLNet;
using BigModel.MLNet.Examples;
using BigModel.MLNet.Models.Recommender;
using Microsoft.ML;
using Microsoft.ML.Data;

var arguments = new ExampleArguments(args);
var positional = arguments.Paths;
string data = Path.Combine(ExampleArguments.RepositoryRoot(), "examples/data/movietweetings");
string trainPath = positional.ElementAtOrDefault(0) ?? Path.Combine(data, "ratings-train.csv");
string testPath = positional.ElementAtOrDefault(1) ?? Path.Combine(data, "ratings-test.csv");
string moviesPath = positional.ElementAtOrDefault(2) ?? Path.Combine(data, "movies.dat");
int epochs = arguments.Option("--epochs") ?? 15;
double? l2 = arguments.Option("--l2-permille") / 1000.0;

var genres = ReadGenres(moviesPath);
string[] genreNames = genres.Values.SelectMany(g => g).Distinct().Order().ToArray();
var ml = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(Rating));
schema[nameof(Rating.Genres)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, genreNames.Length);
IDataView Load(string path) => ml.Data.LoadFromEnumerable(ReadRatings(path, genres, genreNames), schema);
var rawTrain = Load(trainPath);
var toKeys = ml.Transforms.Conversion.MapValueToKey("UserId").Append(ml.Transforms.Conversion.MapValueToKey("ItemId")).Fit(rawTrain);
var train = ml.Data.Cache(toKeys.Transform(rawTrain));
var test = ml.Data.Cache(toKeys.Transform(Load(testPath)));
Console.WriteLine($"{trainPath}: {train.GetColumn<float>("Label").Count()} ratings; {testPath}: {test.GetColumn<float>("Label").Count()}; {genreNames.Length} genres.");

var explicitResults = new List<object>();
float mean = train.GetColumn<float>("Label").Average();
double meanRmse = Math.Sqrt(test.GetColumn<float>("Label").Average(r => (r - mean) * (r - mean)));
Report("global mean", meanRmse, null, 0);
foreach (var (name, architecture, withGenres) in new[]
{
    ("biases", RecommenderArchitecture.Biases, false),
    ("matrix factorisation", RecommenderArchitecture.MatrixFactorization, false),
    ("NeuMF", RecommenderArchitecture.NeuMF, false),
    ("NeuMF + genres", RecommenderArchitecture.NeuMF, true),
})
{
    var clock = Stopwatch.StartNew();
    var model = FreshContext().Deep().Recommendation.Recommender(new RecommenderOptions
    {
        Architecture = architecture, EmbeddingSize = 32, Epochs = epochs, DropoutRate = 0.1,
        EmbeddingRegularization = l2 ?? new RecommenderOptions().EmbeddingRegularization,
        ItemFeatureColumnName = withGenres ? nameof(Rating.Genres) : null,
        ValidationFraction = 0.1, EarlyStoppingPatience = 3,
    }).Fit(train);
    var metrics = ml.Regression.Evaluate(model.Transform(test));
    Report(name, metrics.RootMeanSquaredError, metrics.MeanAbsoluteError, clock.Elapsed.TotalSeconds);
}

var implicitResults = new List<object>();
foreach (var (name, architecture, loss) in new[]
{
    ("biases (popularity), logistic", RecommenderArchitecture.Biases, ImplicitLoss.BinaryCrossEntropy),
    ("matrix factorisation, logistic", RecommenderArchitecture.MatrixFactorization, ImplicitLoss.BinaryCrossEntropy),
    ("matrix factorisation, BPR", RecommenderArchitecture.MatrixFactorization, ImplicitLoss.Bpr),
    ("NeuMF, BPR", RecommenderArchitecture.NeuMF, ImplicitLoss.Bpr),
})
{
    var clock = Stopwatch.StartNew();
    var model = FreshContext().Deep().Recommendation.Recommender(new RecommenderOptions
    {
        Feedback = FeedbackKind.Implicit, Architecture = architecture, ImplicitLoss = loss,
        EmbeddingSize = 32, Epochs = epochs, NegativeRatio = 4, ValidationFraction = 0.1, EarlyStoppingPatience = 3,
    }).Fit(train);
    var ranking = ml.Deep().Recommendation.EvaluateRanking(model, test, knownInteractions: train, k: 10, negatives: 99, seed: 1);
    Console.WriteLine($"implicit {name,-32} HR@10 {ranking.HitRate:F4}  NDCG@10 {ranking.Ndcg:F4}  ({ranking.Cases} test interactions, {clock.Elapsed.TotalSeconds:F1} s)");
    implicitResults.Add(new { model = name, hit_rate_at_10 = Math.Round(ranking.HitRate, 4), ndcg_at_10 = Math.Round(ranking.Ndcg, 4), cases = ranking.Cases });
}

Console.WriteLine(JsonSerializer.Serialize(new { example = "movie-recommender", dataset = "movietweetings-100k", train = trainPath, test = testPath, @explicit = explicitResults, @implicit = implicitResults }));

// Each model fits in a context of its own with the same seed, so all of them hold out the same tenth of the ratings
// for validation: the comparison then shows the models, not the luck of each one's split (which alone moves RMSE by
// up to 0.005).
static MLContext FreshContext() => new(seed: 1);

void Report(string name, double rmse, double? mae, double seconds)
{
    Console.WriteLine($"explicit {name,-22} RMSE {rmse:F4}" + (mae is { } m ? $"  MAE {m:F4}  ({seconds:F1} s)" : ""));
    explicitResults.Add(new { model = name, rmse = Math.Round(rmse, 4), mae = mae is { } v ? Math.Round(v, 4) : (double?)null });
}

static Dictionary<string, string[]> ReadGenres(string path) =>
    File.ReadLines(path).Select(line => line.Split("::")).Where(parts => parts.Length == 3)
        .ToDictionary(parts => parts[0], parts => parts[2].Split('|', StringSplitOptions.RemoveEmptyEntries));

static IEnumerable<Rating> ReadRatings(string path, Dictionary<string, string[]> genres, string[] genreNames)
{
    var index = genreNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i);
    foreach (var line in File.ReadLines(path).Skip(1))
    {
        var parts = line.Split(',');
        var vector = new float[genreNames.Length];
        foreach (var genre in genres.GetValueOrDefault(parts[1], []))
            vector[index[genre]] = 1;
        yield return new Rating { UserId = parts[0], ItemId = parts[1], Label = float.Parse(parts[2], CultureInfo.InvariantCulture), Genres = vector };
    }
}

/// <summary>One rating, with the movie's genres as a one-hot vector.</summary>
public sealed class Rating
{
    public string UserId { get; set; } = "";
    public string ItemId { get; set; } = "";
    public float Label { get; set; }
    public float[] Genres { get; set; } = [];
}
