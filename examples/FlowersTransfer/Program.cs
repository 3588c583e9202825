// Transfer learning on flower photos: ImageNet ResNet-18 (from the NuGet package
// Microsoft.ML.DnnImageFeaturizer.ResNet18) with a new head, trained on 5 classes × 32 photos, tested on 5 × 8; against
// ML.NET's own use of that model (DnnFeaturizeImage + L-BFGS maximum entropy) on the same split.
//
//   dotnet run --project examples/FlowersTransfer -c Release -- [folder with one sub-folder per class] [--epochs N] [--rotation degrees]
//
// Defaults to the repository's sibling shared/data/flowers-small (CC BY 2.0 photos, see its LICENSE.txt). Prints
// accuracy, macro-F1 and the confusion matrix, writes flowers-curves.png, and ends with one JSON line.
using System.Diagnostics;
using System.Text.Json;
using BigModel.MLNet;
using BigModel.MLNet.Examples;
using BigModel.MLNet.Models.Cnn;
using Microsoft.ML;
using Microsoft.ML.Transforms.Image;

var arguments = new ExampleArguments(args);
string folder = arguments.Paths.ElementAtOrDefault(0) ?? ExampleArguments.SharedData("flowers-small");
int epochs = arguments.Option("--epochs") ?? 8;
string backbone = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

// A deterministic split: within each class, sorted by file name, every fifth photo is a test photo.
var photos = Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal)
    .SelectMany(dir => Directory.GetFiles(dir, "*.jpg").OrderBy(f => f, StringComparer.Ordinal)
        .Select((path, i) => (Photo: new Photo { ImagePath = path, Label = Path.GetFileName(dir) }, Test: i % 5 == 4)))
    .ToList();
if (photos.Count == 0)
    throw new DirectoryNotFoundException($"No class folders with .jpg photos under '{folder}'.");

var ml = new MLContext(seed: 1);
ExampleArguments.ShowTrainingLog(ml, "Cnn");
var train = ml.Data.LoadFromEnumerable(photos.Where(p => !p.Test).Select(p => p.Photo).ToList());
var test = ml.Data.LoadFromEnumerable(photos.Where(p => p.Test).Select(p => p.Photo).ToList());

// The backbone expects what ML.NET's featurizer feeds it: 224 × 224, B, G, R planes of 0–255 values, minus the
// ImageNet channel means (std 1).
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.LoadImages("Photo", imageFolder: "", inputColumnName: nameof(Photo.ImagePath)))
    .Append(ml.Transforms.ResizeImages("Photo", 224, 224))
    .Append(ml.Transforms.ExtractPixels("Image", "Photo", orderOfExtraction: ImagePixelExtractingEstimator.ColorsOrder.ABGR))
    // Training batches only: random flips, rotations within ±15° and shifts of up to 8 pixels.
    .Append(ml.Deep().AugmentImages("Image", horizontalFlip: true, rotationDegrees: arguments.Option("--rotation") ?? 15, cropPadding: 8))
    // Transfer learning in stages: a probe (the new head on cached backbone features), then fine-tuning of the whole
    // network, kept only if it validates better than the probe on the held-out fifth. Scoring averages each photo with
    // its mirror image (TestTimeFlip), as training flips them.
    .Append(ml.Deep().MulticlassClassification.Cnn(new CnnOptions
    {
        Architecture = CnnArchitecture.ResNet18, ImageChannels = 3, ImageHeight = 224, ImageWidth = 224,
        ChannelMean = [103.06f, 115.90f, 123.15f], ChannelStd = [1f, 1f, 1f],
        PretrainedModelPath = backbone, Epochs = epochs, ValidationFraction = 0.2, TestTimeFlip = true, Progress = new ConsoleProgress(),
    }));

// Baseline: ML.NET's image featurizer on the same backbone (frozen), with a linear classifier.
var baseline = FrozenResNetBaseline.Estimator(ml, nameof(Photo.ImagePath)).Fit(train);
var baselineMetrics = ml.MulticlassClassification.Evaluate(baseline.Transform(test));
double baselineF1 = ClassificationReport.MacroF1(baselineMetrics);
Console.WriteLine($"ML.NET DnnFeaturizeImage(ResNet18) + L-BFGS: accuracy {baselineMetrics.MicroAccuracy:F4}   macro-F1 {baselineF1:F4}");

Console.WriteLine($"Fine-tuning ResNet-18 from {backbone} on {folder} ({photos.Count(p => !p.Test)} training photos) ...");
var clock = Stopwatch.StartNew();
var model = pipeline.Fit(train);
double minutes = clock.Elapsed.TotalMinutes;

var scored = model.Transform(test);
var metrics = ml.MulticlassClassification.Evaluate(scored);
var cnn = model.LastTransformer;
double macroF1 = ClassificationReport.Print(metrics, scored, cnn, minutes, "flowers");
Console.WriteLine(JsonSerializer.Serialize(new
{
    example = "flowers-transfer", dataset = "flowers-small", model = "resnet18-imagenet", epochs = cnn.History.Epochs.Count,
    accuracy = Math.Round(metrics.MicroAccuracy, 4), macro_f1 = Math.Round(macroF1, 4), train_minutes = Math.Round(minutes, 1),
    baseline_accuracy = Math.Round(baselineMetrics.MicroAccuracy, 4), baseline_macro_f1 = Math.Round(baselineF1, 4),
}));

/// <summary>A photo and its class (its folder's name).</summary>
public sealed class Photo
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}
