using BigModel.MLNet;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Models.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

/// <summary>
/// What int8 quantisation (<c>DeepPredictionTransformer.Quantize</c>) gives each kind of model: batched scoring speed,
/// exported ONNX size and the metric, each against the same model in float in the same process.
/// </summary>
static class Int8Benchmark
{
    public static void Run(MLContext ml)
    {
        Console.WriteLine();
        Console.WriteLine("## int8 quantisation against float (same model, same process, batched Transform)");
        Console.WriteLine("| model | rows | scoring rows/s float | scoring rows/s int8 | speed-up | ONNX MB float | ONNX MB int8 | size | metric float | metric int8 |");
        Console.WriteLine("| -- | -- | --: | --: | --: | --: | --: | --: | --: | --: |");
        MiniLm(ml);
        Mlp(ml);
        ResNet(ml);
    }

    /// <summary>MiniLM fine-tuned on the Yelp sentences (80/20, i % 5 == 4 is test), scored on texts of 64 and 128 tokens.</summary>
    private static void MiniLm(MLContext ml)
    {
        if (YelpSentences.Load(ml) is not var (train, test))
        {
            Console.WriteLine($"| MiniLM | skipped: {YelpSentences.Path} is missing | | | | | | | | |");
            return;
        }
        var model = ml.Deep().BinaryClassification.TextClassifier(YelpSentences.Options()).Fit(train);
        var int8 = model.Quantize();
        double Accuracy(ITransformer m) => ml.BinaryClassification.Evaluate(m.Transform(test)).Accuracy;
        foreach (int tokens in new[] { 64, 128 })
        {
            var texts = ml.Data.Cache(ml.Data.LoadFromEnumerable(TextBenchmark.Texts(256, tokens - 2, tokens)));
            Row($"MiniLM-L6 (yelp), {tokens} tokens", "256", model, int8, texts, $"accuracy {Accuracy(model):F4}", $"{Accuracy(int8):F4}");
        }
    }

    private static void Mlp(MLContext ml)
    {
        var data = ml.Data.Cache(ml.Data.LoadFromEnumerable(TabularRows(20_000, 1)));
        var test = ml.Data.Cache(ml.Data.LoadFromEnumerable(TabularRows(5_000, 2)));
        var model = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 5, HiddenLayers = [256, 128], EnsembleSize = 1 }.OnEveryRow()).Fit(data);
        var int8 = model.Quantize();
        double Rmse(ITransformer m) => ml.Regression.Evaluate(m.Transform(test)).RootMeanSquaredError;
        Row("MLP 256-128 (32 features)", "5,000", model, int8, test, $"RMSE {Rmse(model):F4}", $"{Rmse(int8):F4}");
    }

    /// <summary>ResNet-18 on 32-pixel images: convolutions stay float, so int8 reaches only the head.</summary>
    private static void ResNet(MLContext ml)
    {
        var random = new Random(3);
        var images = Enumerable.Range(0, 256).Select(i => new Image
        {
            Pixels = Enumerable.Range(0, 3 * 32 * 32).Select(_ => (float)random.NextDouble()).ToArray(), Label = (uint)(i % 9 + 1), // keys 1–9 of 10: ML.NET reads a value equal to the key count as missing
        }).ToList();
        var data = ml.Data.Cache(ml.Data.LoadFromEnumerable(images, SchemaDefinition()));
        var model = ml.Deep().MulticlassClassification.Cnn(new CnnOptions
        {
            Architecture = CnnArchitecture.ResNet18, ImageChannels = 3, ImageHeight = 32, ImageWidth = 32, FeatureColumnName = "Pixels", Epochs = 1,
        }).Fit(data);
        Row("ResNet-18, 32 px", "256", model, model.Quantize(), data, "–", "–");
    }

    private static void Row(string name, string rows, DeepPredictionTransformer model, DeepPredictionTransformer int8, IDataView data, string metric, string int8Metric)
    {
        var (floatRate, int8Rate) = Measure.MedianPair(() => Measure.ScoredRowsPerSecond(model.Transform(data)),
            () => Measure.ScoredRowsPerSecond(int8.Transform(data)), runs: 5);
        double floatMb = Size(model), int8Mb = Size(int8);
        Console.WriteLine($"| {name} | {rows} | {floatRate:N0} | {int8Rate:N0} | {int8Rate / floatRate:F2} | {floatMb:F1} | {int8Mb:F1} | {int8Mb / floatMb:P0} | {metric} | {int8Metric} |");
    }

    private static double Size(DeepPredictionTransformer model)
    {
        using var bytes = new MemoryStream();
        model.ExportToOnnx(bytes);
        return bytes.Length / 1e6;
    }

    private static IEnumerable<Row> TabularRows(int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var x = Enumerable.Range(0, 32).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            yield return new Row { Features = x, Label = MathF.Sin(3 * x[0]) + x[1] * x[2] + x.Skip(3).Sum() / 10 };
        }
    }

    private static SchemaDefinition SchemaDefinition()
    {
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(Image));
        schema[nameof(Image.Label)].ColumnType = new KeyDataViewType(typeof(uint), 10);
        return schema;
    }

    private sealed class Image
    {
        [VectorType(3 * 32 * 32)] public float[] Pixels { get; set; } = [];
        public uint Label { get; set; }
    }
}
