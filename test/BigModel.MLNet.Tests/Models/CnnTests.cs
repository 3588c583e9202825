using System.IO.Compression;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Transforms.Images;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Models;

[TestClass]
public class CnnTests
{
    private static CnnOptions Options(int epochs) => new()
    {
        ImageHeight = SyntheticImages.Size, ImageWidth = SyntheticImages.Size, Filters = [8, 16], DenseUnits = 32,
        Epochs = epochs, LearningRate = 3e-3, BatchSize = 32,
    };

    private static readonly ImageAugmentationOptions Augmentation = new()
    {
        RandomHorizontalFlip = true, RandomRotationDegrees = 15, RandomCropPadding = 1, RandomErasingProbability = 0.3,
    };

    [TestMethod]
    public void LearnsDrawnShapesFarAboveChanceAndSavesThem()
    {
        var ml = new MLContext(1);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label");
        var train = SyntheticImages.Load(ml, 900, 1);
        var test = SyntheticImages.Load(ml, 300, 2);
        var estimator = toKey.Append(ml.Deep().AugmentImages("Image", Augmentation)).Append(ml.Deep().MulticlassClassification.Cnn(Options(epochs: 8)));
        var model = estimator.Fit(train);

        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.IsGreaterThan(0.9, metrics.MacroAccuracy, $"macro accuracy {metrics.MacroAccuracy:F3} (chance 0.33)");
        EstimatorConformance.Check(ml, estimator, model, train, test, "Score", "PredictedLabel");
    }

    [TestMethod]
    public void AugmentationChangesTrainingBatchesOnlyAndIsReproducible()
    {
        var options = Options(epochs: 1);
        var augmentation = new ImageAugmentation(Augmentation, 1, SyntheticImages.Size, SyntheticImages.Size);
        var rows = SyntheticImages.Generate(8, 3).ToList();
        using var pixels = tensor(rows.SelectMany(r => r.Image).ToArray(), [8, SyntheticImages.Size * SyntheticImages.Size]);
        using var target = zeros(8);
        var batch = new TensorBatch([pixels], target);

        using var first = augmentation.Apply(batch, new Random(5)).Inputs[0];
        using var again = augmentation.Apply(batch, new Random(5)).Inputs[0];
        using var other = augmentation.Apply(batch, new Random(6)).Inputs[0];
        CollectionAssert.AreEqual(pixels.shape, first.shape);
        Assert.IsTrue(first.allclose(again, 0, 0), "the same generator gives the same augmentation");
        Assert.IsFalse(first.allclose(pixels, 0, 0), "images changed");
        Assert.IsFalse(first.allclose(other, 0, 0), "another generator, another augmentation");

        // In a pipeline: the step changes no value, marks the column through later steps, and the trainer augments
        // (a different model from the same seed) while scoring does not (the same scores twice).
        var ml = new MLContext(1);
        var data = SyntheticImages.Load(ml, 60, 1);
        var marked = ml.Deep().AugmentImages("Image", Augmentation).Append(ml.Transforms.Conversion.MapValueToKey("Label"));
        var markedData = marked.Fit(data).Transform(data);
        CollectionAssert.AreEqual(ColumnValues.Read(data, "Image"), ColumnValues.Read(markedData, "Image"), "values unchanged");
        Assert.AreEqual(Augmentation, ImageAugmentingEstimator.ReadMark(markedData.Schema["Image"]), "mark survives MapValueToKey");

        ITransformer Fit(bool augment)
        {
            var context = new MLContext(1);
            var toKey = context.Transforms.Conversion.MapValueToKey("Label");
            var cnn = context.Deep().MulticlassClassification.Cnn(options);
            return augment ? context.Deep().AugmentImages("Image", Augmentation).Append(toKey).Append(cnn).Fit(data) : toKey.Append(cnn).Fit(data);
        }
        var augmented = Fit(augment: true);
        var scores = ColumnValues.Read(augmented.Transform(data), "Score");
        CollectionAssert.AreEqual(scores, ColumnValues.Read(augmented.Transform(data), "Score"), "scoring never augments");
        CollectionAssert.AreEqual(scores, ColumnValues.Read(Fit(augment: true).Transform(data), "Score"), "same seed, same augmented model");
        CollectionAssert.AreNotEqual(scores, ColumnValues.Read(Fit(augment: false).Transform(data), "Score"), "the trainer did augment");
    }

    [TestMethod]
    public void RotationTurnsImagesAboutTheirCentre()
    {
        // A 17×17 horizontal bar through the centre: rotated by up to 40°, the centre stays lit, the bar's ends leave their row.
        var rotation = new ImageAugmentationOptions { RandomRotationDegrees = 40 };
        var image = new float[17 * 17];
        for (int x = 0; x < 17; x++)
            image[8 * 17 + x] = 1;
        using var pixels = tensor(Enumerable.Repeat(image, 16).SelectMany(p => p).ToArray(), [16, 17 * 17]);
        using var target = zeros(16);
        using var rotated = new ImageAugmentation(rotation, 1, 17, 17).Apply(new TensorBatch([pixels], target), new Random(3)).Inputs[0];
        var values = rotated.data<float>().ToArray();
        for (int i = 0; i < 16; i++)
            Assert.AreEqual(1f, values[i * 289 + 8 * 17 + 8], 1e-4f, "centre pixel");
        int turned = Enumerable.Range(0, 16).Count(i => values[i * 289 + 8 * 17 + 1] + values[i * 289 + 8 * 17 + 15] < 1f);
        Assert.IsGreaterThanOrEqualTo(10, turned, "most bars no longer lie along their row");
    }

    [TestMethod]
    public void FlipsAreOptInAndVerticalFlipTurnsImagesUpsideDown()
    {
        var ml = new MLContext(1);
        Assert.IsFalse(ImageAugmentingEstimator.ReadMark(ml.Deep().AugmentImages("Image").Fit(SyntheticImages.Load(ml, 3, 1))
            .Transform(SyntheticImages.Load(ml, 3, 1)).Schema["Image"])?.IsActive ?? false, "the short overload changes nothing unless asked");

        // A 4×4 image lit on its top row: flipped upside down, the light is on the bottom row; never left–right.
        var image = new float[16];
        for (int x = 0; x < 4; x++)
            image[x] = 1;
        using var pixels = tensor(Enumerable.Repeat(image, 32).SelectMany(p => p).ToArray(), [32, 16]);
        using var target = zeros(32);
        var vertical = new ImageAugmentationOptions { RandomVerticalFlip = true };
        using var flipped = new ImageAugmentation(vertical, 1, 4, 4).Apply(new TensorBatch([pixels], target), new Random(2)).Inputs[0];
        var rows = flipped.data<float>().Chunk(16).ToList();
        int upsideDown = rows.Count(r => r[12..].All(v => v == 1) && r[..12].All(v => v == 0));
        int unchanged = rows.Count(r => r.SequenceEqual(image));
        Assert.AreEqual(32, upsideDown + unchanged, "each image is either as it was or upside down");
        Assert.IsTrue(upsideDown is > 8 and < 24, $"about half flipped: {upsideDown} of 32");
    }

    [TestMethod]
    [DataRow(ResNetStem.SmallImage, 16)]
    [DataRow(ResNetStem.Standard, 64)]
    public void ResNet18ExportsToOnnxExactly(ResNetStem stem, int size)
    {
        manual_seed(2);
        var options = new CnnOptions
        {
            Architecture = CnnArchitecture.ResNet18, ResNetStem = stem, ImageChannels = 3, ImageHeight = size, ImageWidth = size,
            ChannelMean = [0.485f, 0.456f, 0.406f], ChannelStd = [0.229f, 0.224f, 0.225f],
        };
        using var network = new ResNet18(options, outputs: 5);
        network.train();
        using (var warm = rand(8, 3 * size * size)) network.call(warm).Dispose();
        network.eval();
        Assert.AreEqual(stem == ResNetStem.Standard, network.StandardStem);
        using var input = rand(2, 3 * size * size);
        using var expected = network.call(input);
        float[] actual = BigModel.MLNet.Tests.Export.LayerExporterTests.RunOnnx(network, BigModel.MLNet.Export.LayerExporter.ToArray(input), 2, 3 * size * size, 5);
        CollectionAssert.That.AreClose(BigModel.MLNet.Export.LayerExporter.ToArray(expected), actual, 1e-4f);
    }

    [TestMethod]
    public void FrozenBatchNormStatisticsStayInInferenceModeWhileTraining()
    {
        var options = new CnnOptions { Architecture = CnnArchitecture.ResNet18, ImageHeight = 16, ImageWidth = 16 };
        using var network = new ResNet18(options, outputs: 2) { FreezeBatchNormStatistics = true };
        network.train();
        Assert.IsTrue(network.training, "the network trains");
        Assert.IsTrue(network.BackboneLayers.OfType<TorchSharp.Modules.BatchNorm2d>().All(norm => !norm.training));
        Assert.IsTrue(network.BackboneLayers.OfType<TorchSharp.Modules.Conv2d>().All(conv => conv.training));
    }

    [TestMethod]
    public void ResNet18TrainsSavesAndLoads()
    {
        var ml = new MLContext(1);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(SyntheticImages.Load(ml, 48, 1)).Transform(SyntheticImages.Load(ml, 48, 1));
        var estimator = ml.Deep().MulticlassClassification.Cnn(new CnnOptions
        {
            Architecture = CnnArchitecture.ResNet18, ImageHeight = SyntheticImages.Size, ImageWidth = SyntheticImages.Size, Epochs = 1, BatchSize = 16,
        });
        var model = estimator.Fit(data);
        EstimatorConformance.Check(ml, estimator, model, data, data, "Score", "PredictedLabel");
    }

    [TestMethod]
    public void TestTimeFlipScoresAnImageAndItsMirrorImageAlike()
    {
        var ml = new MLContext(1);
        var rows = SyntheticImages.Generate(300, 1).ToList();
        var mirrored = rows.Select(r => new SyntheticImages.Row { Label = r.Label, Image = Mirror(r.Image) }).ToList();
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows));
        var data = toKey.Transform(ml.Data.LoadFromEnumerable(rows));
        var mirrorData = toKey.Transform(ml.Data.LoadFromEnumerable(mirrored));
        ITransformer Fit(bool flip)
        {
            var options = Options(epochs: 2);
            options.TestTimeFlip = flip;
            return ml.Deep().MulticlassClassification.Cnn(options).Fit(data);
        }
        var (plain, averaged) = (Fit(flip: false), Fit(flip: true));

        float[] Scores(ITransformer model, IDataView view) => ColumnValues.Read(model.Transform(view), "Score");
        var (plainScores, plainMirrored) = (Scores(plain, data), Scores(plain, mirrorData));
        var (flipScores, flipMirrored) = (Scores(averaged, data), Scores(averaged, mirrorData));
        Assert.IsGreaterThan(1e-3, plainScores.Zip(plainMirrored, (a, b) => Math.Abs(a - b)).Max(), "without it, a mirror image scores differently");
        Assert.IsLessThan(1e-5, flipScores.Zip(flipMirrored, (a, b) => Math.Abs(a - b)).Max(), "with it, an image and its mirror image score alike");
        Assert.IsGreaterThan(1e-3, plainScores.Zip(flipScores, (a, b) => Math.Abs(a - b)).Max(), "the same weights, scored through the flip average");
        EstimatorConformance.Check(ml, ml.Deep().MulticlassClassification.Cnn(new CnnOptions
        {
            ImageHeight = SyntheticImages.Size, ImageWidth = SyntheticImages.Size, Filters = [8], DenseUnits = 8, Epochs = 1, TestTimeFlip = true,
        }), averaged, data, mirrorData, "Score", "PredictedLabel");

        static float[] Mirror(float[] image) => Enumerable.Range(0, image.Length)
            .Select(i => image[i / SyntheticImages.Size * SyntheticImages.Size + SyntheticImages.Size - 1 - i % SyntheticImages.Size]).ToArray();
    }

    [TestMethod]
    public void WrongImageSizeIsNamed()
    {
        var ml = new MLContext(1);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(SyntheticImages.Load(ml, 30, 1)).Transform(SyntheticImages.Load(ml, 30, 1));
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Deep().MulticlassClassification.Cnn(new CnnOptions { ImageChannels = 3, ImageHeight = 16, ImageWidth = 16, Epochs = 1 }).Fit(data));
        StringAssert.Contains(error.Message, "'Image' has 256 values");
        StringAssert.Contains(error.Message, "3 × 16 × 16 = 768");
    }

    [TestMethod]
    public void LoadsMnistFormatFilesPlainAndGzipped()
    {
        string folder = Directory.CreateTempSubdirectory("idx").FullName;
        byte[] images = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 51, 102, 255, 0, 0, 255];
        byte[] labels = [0, 0, 8, 1, 0, 0, 0, 2, 7, 3];
        File.WriteAllBytes(Path.Combine(folder, "images"), images);
        using (var gz = new GZipStream(File.Create(Path.Combine(folder, "labels.gz")), CompressionLevel.Fastest))
            gz.Write(labels);

        var ml = new MLContext(1);
        var data = ml.Deep().LoadIdx(Path.Combine(folder, "images"), Path.Combine(folder, "labels.gz"));
        CollectionAssert.AreEqual(new[] { 0f, 1f, 0.2f, 0.4f, 1f, 0f, 0f, 1f }, ColumnValues.Read(data, "Image"));
        CollectionAssert.AreEqual(new[] { 7f, 3f }, ColumnValues.Read(data, "Label"));

        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => ml.Deep().LoadIdx(Path.Combine(folder, "nope"), Path.Combine(folder, "labels.gz")));
        StringAssert.Contains(missing.Message, "nope");
        File.WriteAllBytes(Path.Combine(folder, "garbage"), [1, 2, 3, 4, 5, 6]);
        var bad = Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().LoadIdx(Path.Combine(folder, "garbage"), Path.Combine(folder, "labels.gz")));
        StringAssert.Contains(bad.Message, "garbage");

        byte[] negative = [0, 0, 8, 3, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 2, 0, 0, 0, 2];
        File.WriteAllBytes(Path.Combine(folder, "negative"), negative);
        var dimensions = Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().LoadIdx(Path.Combine(folder, "negative"), Path.Combine(folder, "labels.gz")));
        StringAssert.Contains(dimensions.Message, "negative");
        StringAssert.Contains(dimensions.Message, "-2");

        byte[] gzipped = File.ReadAllBytes(Path.Combine(folder, "labels.gz"));
        File.WriteAllBytes(Path.Combine(folder, "damaged.gz"), [.. gzipped[..12], .. Enumerable.Repeat((byte)0x55, 20)]);
        var damaged = Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().LoadIdx(Path.Combine(folder, "images"), Path.Combine(folder, "damaged.gz")));
        StringAssert.Contains(damaged.Message, "damaged.gz");
        Directory.Delete(folder, true);
    }
}
