using BigModel.MLNet;
using BigModel.MLNet.Models.Cnn;
using Microsoft.ML;
using Microsoft.ML.Data;

/// <summary>ResNet-18 training and scoring throughput on generated colour images, at a small and the standard size.</summary>
static class ResNetBenchmark
{
    public static void Run(MLContext ml)
    {
        Console.WriteLine();
        Console.WriteLine("## ResNet-18, random initialisation, CPU, batch 16, one epoch");
        Console.WriteLine("| images | stem | training images/s | scoring images/s (batched) | scoring images/s (reloaded, row by row) | batched ratio |");
        Console.WriteLine("| -- | -- | --: | --: | --: | --: |");
        foreach (var (size, count) in new[] { (32, 512), (224, 64) })
        {
            // A known-size pixel vector, as ExtractPixels gives.
            var schema = SchemaDefinition.Create(typeof(ImageRow));
            schema[nameof(ImageRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3 * size * size);
            var rows = ml.Data.LoadFromEnumerable(Images(count, size).ToList(), schema);
            var images = ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Fit(rows).Transform(rows));
            var model = ml.Deep().MulticlassClassification.Cnn(new CnnOptions
            {
                Architecture = CnnArchitecture.ResNet18, ImageChannels = 3, ImageHeight = size, ImageWidth = size, Epochs = 1, BatchSize = 16,
            }).Fit(images);
            var (batched, rowByRow) = Measure.ScoringRates(ml, model, images, runs: 3);
            string stem = size < 128 ? "small-image" : "standard";
            Console.WriteLine($"| {size}×{size}×3 | {stem} | {model.History.RowsPerSecond:N1} | {batched:N1} | {rowByRow:N1} | {batched / rowByRow:F2} |");
        }
        FlipAveragingCost(ml);
    }

    /// <summary>
    /// Batched scoring with <see cref="CnnOptions.TestTimeFlip"/> against without, on the same weights (two fits with one
    /// seed: the flip average lives in the exported graph only), measured in turns.
    /// </summary>
    private static void FlipAveragingCost(MLContext ml)
    {
        const int size = 32;
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3 * size * size);
        var rows = ml.Data.LoadFromEnumerable(Images(512, size).ToList(), schema);
        var images = ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Fit(rows).Transform(rows));
        ITransformer Fit(bool flip) => new MLContext(seed: 1).Deep().MulticlassClassification.Cnn(new CnnOptions
        {
            Architecture = CnnArchitecture.ResNet18, ImageChannels = 3, ImageHeight = size, ImageWidth = size, Epochs = 1, BatchSize = 16, TestTimeFlip = flip,
        }).Fit(images);
        var (plain, flipped) = (Fit(flip: false), Fit(flip: true));
        var (plainRate, flipRate) = Measure.MedianPair(() => Measure.ScoredRowsPerSecond(plain.Transform(images)),
            () => Measure.ScoredRowsPerSecond(flipped.Transform(images)), runs: 3);
        Console.WriteLine();
        Console.WriteLine("## ResNet-18 (32 px) batched scoring with test-time flip averaging against without (same weights)");
        Console.WriteLine("| images | without, images/s | TestTimeFlip, images/s | ratio |");
        Console.WriteLine("| -- | --: | --: | --: |");
        Console.WriteLine($"| 512 | {plainRate:N1} | {flipRate:N1} | {flipRate / plainRate:F2} |");
    }

    private static IEnumerable<ImageRow> Images(int count, int size)
    {
        var random = new Random(size);
        for (int i = 0; i < count; i++)
            yield return new ImageRow { Image = Enumerable.Range(0, 3 * size * size).Select(_ => (float)random.NextDouble()).ToArray(), Label = random.Next(5) };
    }



    private sealed class ImageRow
    {
        public float[] Image { get; set; } = [];
        public float Label { get; set; }
    }
}
