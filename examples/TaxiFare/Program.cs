// Taxi-fare regression: the BigModel.MLNet MLP against ML.NET's FastTree, trained and scored in one run.
//
//   dotnet run --project examples/TaxiFare -c Release -- [train.csv] [test.csv] [--epochs N]
//
// Defaults to the subset bundled in examples/data/taxi-fare; pass ../shared/data/taxi-fare/*.csv for the full files.
using System.Diagnostics;
using System.Text.Json;
using BigModel.MLNet;
using BigModel.MLNet.Examples;
using BigModel.MLNet.Models.Mlp;
using Microsoft.ML;
using Microsoft.ML.Data;

var arguments = new ExampleArguments(args);
string root = ExampleArguments.RepositoryRoot();
string trainPath = arguments.Paths.ElementAtOrDefault(0) ?? Path.Combine(root, "examples/data/taxi-fare/taxi-fare-train.csv");
string testPath = arguments.Paths.ElementAtOrDefault(1) ?? Path.Combine(root, "examples/data/taxi-fare/taxi-fare-test.csv");
int epochs = arguments.Option("--epochs") ?? 30;

var ml = new MLContext(seed: 1);
ExampleArguments.ShowTrainingLog(ml, "MlpRegression");

var loader = ml.Data.CreateTextLoader<TaxiTrip>(separatorChar: ',', hasHeader: true);
// As ML.NET's own taxi sample does, fares outside [1, 150] (data-entry errors) are dropped from training only;
// the test set is scored as it is.
var train = ml.Data.FilterRowsByColumn(loader.Load(trainPath), nameof(TaxiTrip.FareAmount), lowerBound: 1, upperBound: 150);
var test = loader.Load(testPath);

var numbers = ml.Transforms.Concatenate("Numbers", nameof(TaxiTrip.PassengerCount), nameof(TaxiTrip.TripTime), nameof(TaxiTrip.TripDistance));
string[] categories = [nameof(TaxiTrip.VendorId), nameof(TaxiTrip.RateCode), nameof(TaxiTrip.PaymentType)];

// The MLP takes the data as it is: raw numbers (encoded inside the network) and the categories as keys, each learned
// as an embedding.
var keys = categories.Aggregate((IEstimator<ITransformer>)numbers, (chain, c) => chain.Append(ml.Transforms.Conversion.MapValueToKey(c)));
var mlpOptions = new MlpOptions
{
    LabelColumnName = nameof(TaxiTrip.FareAmount),
    FeatureColumnName = "Numbers",
    CategoricalColumnNames = categories,
    Epochs = epochs,
    BatchSize = 256,
    ValidationFraction = 0.1,
    EarlyStoppingPatience = 5,
};

// FastTree takes one vector: the numbers and the categories one-hot.
var oneHot = numbers.Append(ml.Transforms.Categorical.OneHotEncoding([.. categories.Select(c => new InputOutputColumnPair(c))]))
    .Append(ml.Transforms.Concatenate("Features", ["Numbers", .. categories]));

Console.WriteLine($"Training the MLP on {trainPath} ...");
var results = new List<Dictionary<string, object>>();
var mlp = Train("mlp", keys.Append(ml.Deep().Regression.Mlp(mlpOptions)));
Console.WriteLine("Training FastTree on the same columns ...");
Train("fasttree", oneHot.Append(ml.Regression.Trainers.FastTree(labelColumnName: nameof(TaxiTrip.FareAmount))));

// The saved model holds ML.NET transformers only (the network lives in an OnnxTransformer): reload and re-score.
string modelPath = Path.Combine(Path.GetTempPath(), "taxi-fare-mlp.zip");
ml.Model.Save(mlp, loader.GetOutputSchema(), modelPath);
var fresh = new MLContext();
// LoadModel checks the file's checksums, then delegates to Model.Load (and registers the package's output mapping).
var reloadedMetrics = fresh.Regression.Evaluate(fresh.Deep().LoadModel(modelPath, out _).Transform(test), nameof(TaxiTrip.FareAmount));
Console.WriteLine($"Reloaded MLP from {modelPath}: RMSE {reloadedMetrics.RootMeanSquaredError:F4} (same model, ML.NET + ONNX Runtime only).");

Console.WriteLine(JsonSerializer.Serialize(new { example = "taxi-fare", dataset = Path.GetFileName(testPath), train = trainPath, test = testPath, models = results }));

ITransformer Train(string name, IEstimator<ITransformer> pipeline)
{
    var clock = Stopwatch.StartNew();
    var model = pipeline.Fit(train);
    double seconds = clock.Elapsed.TotalSeconds;
    var metrics = ml.Regression.Evaluate(model.Transform(test), labelColumnName: nameof(TaxiTrip.FareAmount));
    Console.WriteLine($"{name,-9} RMSE {metrics.RootMeanSquaredError,8:F4}   R² {metrics.RSquared,7:F4}   MAE {metrics.MeanAbsoluteError,7:F4}   ({seconds:F1} s)");
    results.Add(new() { ["model"] = name, ["rmse"] = Math.Round(metrics.RootMeanSquaredError, 4), ["r2"] = Math.Round(metrics.RSquared, 4), ["mae"] = Math.Round(metrics.MeanAbsoluteError, 4), ["train_seconds"] = Math.Round(seconds, 1) });
    return model;
}

/// <summary>One row of the taxi-fare CSV files.</summary>
public sealed class TaxiTrip
{
    [LoadColumn(0)] public string VendorId { get; set; } = "";
    [LoadColumn(1)] public string RateCode { get; set; } = "";
    [LoadColumn(2)] public float PassengerCount { get; set; }
    [LoadColumn(3)] public float TripTime { get; set; }
    [LoadColumn(4)] public float TripDistance { get; set; }
    [LoadColumn(5)] public string PaymentType { get; set; } = "";
    [LoadColumn(6)] public float FareAmount { get; set; }
}
