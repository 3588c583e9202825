using System.Diagnostics;
using System.Globalization;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Cnn;
using Microsoft.ML;
using Microsoft.ML.Transforms.Image;

namespace BigModel.MLNet.Examples.Quality;

/// <summary>
/// Photos in one folder per class, split within each class (every fifth photo, by file name, is a test photo):
/// ImageNet ResNet-18 fine-tuned (transfer learning) and a small CNN from scratch, against ML.NET's own use of the same
/// ResNet-18 — <c>DnnFeaturizeImage</c> features with an L-BFGS linear model.
/// </summary>
internal static class ImageSuite
{
    private const string Backbone = "DnnImageModels/ResNet18Onnx/ResNet18.onnx";

    public static void Run(string name, string folder, int transferSize, int scratchSize, bool quick, Report report)
    {
        var ml = new MLContext(seed: 1);
        ExampleArguments.ShowTrainingLog(ml, "Cnn");
        var photos = ml.Data.CreateEnumerable<Photo>(ml.Deep().LoadImageFolders(folder), reuseRowObject: false).ToList();
        var split = photos.GroupBy(p => p.Label).SelectMany(g => g.Select((p, i) => (Photo: p, Test: i % 5 == 4))).ToList();
        var train = ml.Data.LoadFromEnumerable(split.Where(s => !s.Test).Select(s => s.Photo).Where((_, i) => !quick || i % 4 == 0).ToList());
        var test = ml.Data.LoadFromEnumerable(split.Where(s => s.Test).Select(s => s.Photo).ToList());

        var clock = Stopwatch.StartNew();
        var baseline = FrozenResNetBaseline.Estimator(ml, nameof(Photo.ImagePath)).Fit(train);
        double baselineAccuracy = ml.MulticlassClassification.Evaluate(baseline.Transform(test)).MicroAccuracy;
        Console.WriteLine($"  baseline: accuracy {baselineAccuracy:F4} ({clock.Elapsed.TotalMinutes:F1} min)");

        // Transfer learning: the README's recipe (the backbone's own input: B, G, R planes of 0–255 minus ImageNet's means).
        var (transferTrain, transferTest) = Pixels(ml, train, test, transferSize, ImagePixelExtractingEstimator.ColorsOrder.ABGR, scale: 1);
        var transfer = new CnnOptions
        {
            Architecture = CnnArchitecture.ResNet18, ImageChannels = 3, ImageHeight = transferSize, ImageWidth = transferSize,
            ChannelMean = [103.06f, 115.90f, 123.15f], ChannelStd = [1f, 1f, 1f],
            PretrainedModelPath = Path.Combine(AppContext.BaseDirectory, Backbone),
            Epochs = quick ? 2 : 8, ValidationFraction = 0.2, TestTimeFlip = true,
        };
        Add("ResNet-18 transfer", transfer, ml.Deep().AugmentImages("Image", horizontalFlip: true, rotationDegrees: 15, cropPadding: transferSize / 28),
            transferTrain, transferTest);

        // From scratch: the small CNN on small images, with flips and shifts.
        var (scratchTrain, scratchTest) = Pixels(ml, train, test, scratchSize, ImagePixelExtractingEstimator.ColorsOrder.ARGB, scale: 1 / 255f);
        var scratch = new CnnOptions
        {
            ImageChannels = 3, ImageHeight = scratchSize, ImageWidth = scratchSize, Filters = [32, 64, 128], Epochs = quick ? 2 : 30,
            ValidationFraction = 0.2, EarlyStoppingPatience = 8,
        };
        const string fromScratch = "small CNN from scratch";
        var (history, accuracy) = Add(fromScratch, scratch, ml.Deep().AugmentImages("Image", horizontalFlip: true, cropPadding: scratchSize / 16), scratchTrain, scratchTest);
        NoteTheCurve(report, name, fromScratch, history, accuracy, classes: photos.Select(p => p.Label).Distinct().Count());
        report.PrintDataset(name);

        (TrainingHistory History, double Accuracy) Add(string model, CnnOptions options, IEstimator<ITransformer> augmentation, IDataView trainPixels, IDataView testPixels)
        {
            var watch = Stopwatch.StartNew();
            var fitted = augmentation.Append(ml.Deep().MulticlassClassification.Cnn(options)).Fit(trainPixels);
            double minutes = watch.Elapsed.TotalMinutes;
            double accuracy = ml.MulticlassClassification.Evaluate(fitted.Transform(testPixels)).MicroAccuracy;
            report.Add(new ReportRow(name, model, "accuracy", accuracy, baselineAccuracy, "DnnFeaturizeImage + L-BFGS", minutes, LowerIsBetter: false));
            return (fitted.LastTransformer.History, accuracy);
        }
    }

    /// <summary>
    /// The from-scratch target besides the score: the model must not end at chance, and after epoch 2 no epoch's
    /// validation loss may exceed twice the previous one's (the swings once seen on small photo sets).
    /// </summary>
    private static void NoteTheCurve(Report report, string dataset, string model, TrainingHistory history, double accuracy, int classes)
    {
        var losses = history.Epochs.Select(e => e.ValidationLoss ?? double.NaN).ToList();
        double rise = losses.Skip(2).Zip(losses.Skip(1), (now, before) => now / before).DefaultIfEmpty(1).Max();
        report.Note(string.Create(CultureInfo.InvariantCulture,
            $"{dataset} · {model}: accuracy {accuracy:F3} against chance {1.0 / classes:F3}; {history.Epochs.Count} epochs, largest validation-loss rise after epoch 2 ×{rise:F2} (target: at most ×2)"));
    }

    /// <summary>Decoded, resized pixel vectors ("Image") and key labels, computed once and cached for the epochs.</summary>
    private static (IDataView Train, IDataView Test) Pixels(MLContext ml, IDataView train, IDataView test, int size,
        ImagePixelExtractingEstimator.ColorsOrder order, float scale)
    {
        var prepare = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Photo", imageFolder: "", inputColumnName: nameof(Photo.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Photo", size, size))
            .Append(ml.Transforms.ExtractPixels("Image", "Photo", orderOfExtraction: order, scaleImage: scale))
            .Append(ml.Transforms.DropColumns("Photo"))
            .Fit(train);
        return (ml.Data.Cache(prepare.Transform(train)), ml.Data.Cache(prepare.Transform(test)));
    }

    /// <summary>A photo and its class.</summary>
    public sealed class Photo
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }
}
