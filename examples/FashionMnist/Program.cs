// Fashion-MNIST with the small CNN preset.
//
//   dotnet run --project examples/FashionMnist -c Release -- [folder with the IDX files] [--epochs N] [--train-rows N]
//
// Defaults to /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist). Prints accuracy, macro-F1 and
// the confusion matrix, writes fashion-mnist-curves.png, and ends with one JSON line.
using System.Diagnostics;
using System.Text.Json;
using BigModel.MLNet;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Examples;
using BigModel.MLNet.Models.Cnn;
using Microsoft.ML;

string[] classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
var arguments = new ExampleArguments(args);
string folder = arguments.Paths.ElementAtOrDefault(0) ?? "/usr/share/datasets/fashion-mnist";
int epochs = arguments.Option("--epochs") ?? 12;
int? trainRows = arguments.Option("--train-rows");

var ml = new MLContext(seed: 1);
ExampleArguments.ShowTrainingLog(ml, "Cnn");
var train = ml.Deep().LoadIdx(Path.Combine(folder, "train-images-idx3-ubyte.gz"), Path.Combine(folder, "train-labels-idx1-ubyte.gz"));
var test = ml.Deep().LoadIdx(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"));
if (trainRows is { } rows)
    train = ml.Data.TakeRows(train, rows);

var options = new CnnOptions
{
    Filters = [32, 64], DenseUnits = 128, DropoutRate = 0.25, Epochs = epochs, BatchSize = 128,
    LearningRate = 3e-3, Schedule = LearningRateSchedule.OneCycle, ValidationFraction = 0.1, Progress = new ConsoleProgress(),
};
// Keys by label value, so key k is Fashion-MNIST class k in the confusion matrix.
var toKey = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
// Random left–right flips of the training images (training batches only; scoring sees the images as they are).
var pipeline = toKey.Append(ml.Deep().AugmentImages("Image", horizontalFlip: true)).Append(ml.Deep().MulticlassClassification.Cnn(options));
Console.WriteLine($"Training the small CNN on {folder} ({epochs} epochs, {Environment.ProcessorCount} cores) ...");
var clock = Stopwatch.StartNew();
var model = pipeline.Fit(train);
double minutes = clock.Elapsed.TotalMinutes;

var scored = model.Transform(test);
var metrics = ml.MulticlassClassification.Evaluate(scored);
var cnn = model.LastTransformer;
double macroF1 = ClassificationReport.Print(metrics, scored, cnn, minutes, "fashion-mnist");

Console.WriteLine(JsonSerializer.Serialize(new
{
    example = "fashion-mnist", dataset = "fashion-mnist", model = "small-cnn", epochs = cnn.History.Epochs.Count,
    accuracy = Math.Round(metrics.MicroAccuracy, 4), macro_f1 = Math.Round(macroF1, 4), train_minutes = Math.Round(minutes, 1),
    classes,
}));
