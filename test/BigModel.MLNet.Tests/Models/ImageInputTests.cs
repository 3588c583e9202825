using BigModel.MLNet.Models.Cnn;
using Microsoft.ML;

namespace BigModel.MLNet.Tests.Models;

/// <summary>Photos through ML.NET's image chain (LoadImages → ResizeImages → ExtractPixels) into the CNN.</summary>
[TestClass]
public class ImageInputTests
{
    public sealed class Photo
    {
        [Microsoft.ML.Data.LoadColumn(0)] public string ImagePath { get; set; } = "";
        [Microsoft.ML.Data.LoadColumn(1)] public string Label { get; set; } = "";
    }

    private static IEstimator<ITransformer> Pipeline(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Photo", imageFolder: "", inputColumnName: nameof(Photo.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Photo", 16, 16))
            .Append(ml.Transforms.ExtractPixels("Image", "Photo", scaleImage: 1 / 255f))
            .Append(ml.Deep().MulticlassClassification.Cnn(new CnnOptions { ImageChannels = 3, ImageHeight = 16, ImageWidth = 16, Filters = [4], DenseUnits = 8, Epochs = 1 }));

    [TestMethod]
    public void ImageFoldersListPhotosByClassAndRejectEmptyFolders()
    {
        string root = Directory.CreateTempSubdirectory("classes").FullName;
        Directory.CreateDirectory(Path.Combine(root, "roses"));
        Directory.CreateDirectory(Path.Combine(root, "daisy"));
        File.WriteAllText(Path.Combine(root, "roses", "b.jpg"), "");
        File.WriteAllText(Path.Combine(root, "roses", "a.PNG"), "");
        File.WriteAllText(Path.Combine(root, "roses", "notes.txt"), "");
        File.WriteAllText(Path.Combine(root, "daisy", "c.jpeg"), "");
        var ml = new MLContext(1);
        var photos = ml.Data.CreateEnumerable<Photo>(ml.Deep().LoadImageFolders(root), reuseRowObject: false).ToList();
        CollectionAssert.AreEqual(new[] { "daisy/c.jpeg", "roses/a.PNG", "roses/b.jpg" },
            photos.Select(p => $"{p.Label}/{Path.GetFileName(p.ImagePath)}").ToList());

        Directory.CreateDirectory(Path.Combine(root, "tulips"));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().LoadImageFolders(root)).Message, "tulips");
        StringAssert.Contains(Assert.ThrowsExactly<DirectoryNotFoundException>(() => ml.Deep().LoadImageFolders(Path.Combine(root, "nope"))).Message, "nope");
        Directory.Delete(root, true);
    }

    [TestMethod]
    public void RawImageBytesDecodeIntoTheImageChainAndSaveWithIt()
    {
        string folder = Directory.CreateTempSubdirectory("raw-bytes").FullName;
        var random = new Random(2);
        var photos = new List<Photo>();
        for (int i = 0; i < 24; i++)
        {
            // Red-ish or blue-ish 20×12 pictures (not the model's 16×16: the chain resizes them).
            bool red = i % 2 == 0;
            var pixels = new byte[20 * 12 * 4];
            for (int p = 0; p < pixels.Length; p += 4)
            {
                pixels[p] = (byte)(red ? random.Next(0, 60) : random.Next(180, 255));     // B
                pixels[p + 1] = (byte)random.Next(0, 80);                                   // G
                pixels[p + 2] = (byte)(red ? random.Next(180, 255) : random.Next(0, 60));   // R
                pixels[p + 3] = 255;
            }
            string path = Path.Combine(folder, $"{i}.png");
            using (var image = Microsoft.ML.Data.MLImage.CreateFromPixels(20, 12, Microsoft.ML.Data.MLPixelFormat.Bgra32, pixels))
                image.Save(path);
            photos.Add(new Photo { ImagePath = path, Label = red ? "red" : "blue" });
        }
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(photos);
        var estimator = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadRawImageBytes("Bytes", imageFolder: null, inputColumnName: nameof(Photo.ImagePath)))
            .Append(ml.Deep().DecodeImages("Photo", "Bytes"))
            .Append(ml.Transforms.ResizeImages("Photo", 16, 16))
            .Append(ml.Transforms.ExtractPixels("Image", "Photo", scaleImage: 1 / 255f))
            .Append(ml.Deep().MulticlassClassification.Cnn(new CnnOptions
            {
                ImageChannels = 3, ImageHeight = 16, ImageWidth = 16, Filters = [4], DenseUnits = 8, Epochs = 8, LearningRate = 1e-2, BatchSize = 8,
            }));
        var model = estimator.Fit(data);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data));
        Assert.IsGreaterThan(0.9, metrics.MicroAccuracy, $"accuracy {metrics.MicroAccuracy:F3} on colours the pixels show plainly");
        Fixtures.EstimatorConformance.Check(ml, estimator, model, data, data, "Score", "PredictedLabel");

        File.WriteAllText(photos[5].ImagePath, "not a picture");
        var error = Assert.ThrowsExactly<InvalidDataException>(() => estimator.Fit(data));
        StringAssert.Contains(error.Message, "row 5");
        StringAssert.Contains(error.Message, photos[5].ImagePath, "the file is named");
        StringAssert.Contains(error.Message, "readable image");
        Directory.Delete(folder, true);
    }

    // ML.NET's image loader names a missing file but not an unreadable one; the trainer adds the column and the row.

    [TestMethod]
    public void MissingImageFileFailsNamingTheFile()
    {
        var ml = new MLContext(1);
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-photo-{Guid.NewGuid():N}.jpg");
        var data = ml.Data.LoadFromEnumerable(new[] { new Photo { ImagePath = missing, Label = "a" }, new Photo { ImagePath = missing, Label = "b" } });
        var error = Assert.Throws<Exception>(() => Pipeline(ml).Fit(data));
        StringAssert.Contains(error.ToString(), Path.GetFileName(missing));
    }

    [TestMethod]
    public void UnreadableImageFileFailsNamingTheColumnAndRow()
    {
        var ml = new MLContext(1);
        string corrupt = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.jpg");
        File.WriteAllText(corrupt, "not a picture");
        try
        {
            var data = ml.Data.LoadFromEnumerable(new[] { new Photo { ImagePath = corrupt, Label = "a" }, new Photo { ImagePath = corrupt, Label = "b" } });
            var error = Assert.ThrowsExactly<InvalidDataException>(() => Pipeline(ml).Fit(data));
            StringAssert.Contains(error.Message, "'Image'");
            StringAssert.Contains(error.Message, "row 0");
            StringAssert.Contains(error.Message, corrupt, "the file is named");
        }
        finally
        {
            File.Delete(corrupt);
        }
    }

    [TestMethod]
    [DataRow("empty"), DataRow("text"), DataRow("truncated")]
    public void BadImageFileIsNamedWithItsRowWhenMlNetReadsAhead(string damage)
    {
        // A text file of paths: ML.NET parses and maps it on worker threads ahead of the trainer, so the position the
        // trainer's cursor is at when the failure arrives is not the failing row.
        string folder = Directory.CreateTempSubdirectory("read-ahead").FullName;
        try
        {
            var lines = new List<string> { "ImagePath,Label" };
            for (int i = 0; i < 40; i++)
            {
                string path = Path.Combine(folder, $"{i}.png");
                var pixels = new byte[20 * 12 * 4];
                new Random(i).NextBytes(pixels);
                using (var image = Microsoft.ML.Data.MLImage.CreateFromPixels(20, 12, Microsoft.ML.Data.MLPixelFormat.Bgra32, pixels))
                    image.Save(path);
                lines.Add($"{path},{(i % 2 == 0 ? "a" : "b")}");
            }
            string bad = Path.Combine(folder, "17.png");
            byte[] good = File.ReadAllBytes(bad);
            File.WriteAllBytes(bad, damage switch { "empty" => [], "text" => "<html>not found</html>"u8.ToArray(), _ => good[..40] });
            File.WriteAllLines(Path.Combine(folder, "list.csv"), lines);

            var ml = new MLContext(1);
            var data = ml.Data.LoadFromTextFile<Photo>(Path.Combine(folder, "list.csv"), separatorChar: ',', hasHeader: true);
            var error = Assert.ThrowsExactly<InvalidDataException>(() => Pipeline(ml).Fit(data));
            StringAssert.Contains(error.Message, "row 17");
            StringAssert.Contains(error.Message, bad);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
