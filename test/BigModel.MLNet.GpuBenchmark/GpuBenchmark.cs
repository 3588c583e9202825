using System.Text.Json;
using BigModel.MLNet;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Models.Recommender;
using BigModel.MLNet.Models.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

/// <summary>
/// Training throughput of every preset on the best device present (CUDA when there is one), for a fixed number of
/// steps on synthetic data; the feed's cost against batches that cost nothing to make; CPU and CUDA scores of one
/// seed side by side. pytorch_eager.py trains the same networks with the same batch sizes and optimiser, and
/// device-run.sh runs both in one call, so the ratio is measured on the same card.
/// </summary>
static class GpuBenchmark
{
    /// <summary>Steps per epoch: epochs 2 and 3 are timed, epoch 1 warms up (and reads the data onto the device).</summary>
    private static int Steps = 200;

    /// <summary>Every preset, the feed, and (on CUDA) CPU against CUDA.</summary>
    public static void Run(MLContext ml, int steps)
    {
        Steps = steps;
        BigModel.MLNet.Native.TorchRuntime.EnsureLoaded();
        var device = cuda.is_available() ? DeviceKind.Cuda : DeviceKind.Cpu;
        Console.WriteLine();
        Console.WriteLine($"## Presets on {device}: training samples/s over {Steps} steps (epochs 2–3 of 3), data kept on the device");
        Console.WriteLine("| preset | batch | samples/s |");
        Console.WriteLine("| -- | --: | --: |");
        Report(ml, "mlp", 512, device, rows => Mlp(ml, rows), options => ml.Deep().Regression.Mlp(Options<MlpOptions>(options)));
        Report(ml, "cnn", 512, device, rows => Images(ml, rows, 1, 28), options => ml.Deep().MulticlassClassification.Cnn(Options<CnnOptions>(options)));
        Report(ml, "resnet18-32", 256, device, rows => Images(ml, rows, 3, 32), options => ml.Deep().MulticlassClassification.Cnn(Options<CnnOptions>(options, o =>
        {
            o.Architecture = CnnArchitecture.ResNet18;
            o.ResNetStem = ResNetStem.SmallImage;
            o.ImageChannels = 3;
            o.ImageHeight = o.ImageWidth = 32;
        })));
        string vocabulary = MiniLmVocabulary();
        foreach (var precision in new[] { TrainingPrecision.Float32, TrainingPrecision.BFloat16 })
        {
            Report(ml, precision == TrainingPrecision.BFloat16 ? "minilm-128-bf16" : "minilm-128", 32, device, rows => Texts(ml, rows),
                options => ml.Deep().BinaryClassification.TextClassifier(Options<TextClassifierOptions>(options, o =>
                {
                    o.VocabularyPath = vocabulary;
                    o.MaxLength = 128;
                    o.Config = new BertConfig { HiddenSize = 384, Layers = 6, AttentionHeads = 12, IntermediateSize = 1536 };
                    o.Precision = precision;
                })));
        }
        Report(ml, "mf", 4096, device, rows => Ratings(ml, rows), options => ml.Deep().Recommendation.Recommender(Options<RecommenderOptions>(options)));
        Report(ml, "neumf", 4096, device, rows => Ratings(ml, rows), options => ml.Deep().Recommendation.Recommender(Options<RecommenderOptions>(options,
            o => o.Architecture = RecommenderArchitecture.NeuMF)));

        Feed(ml, device, steps);
        if (device == DeviceKind.Cuda)
            Agreement(ml);
    }

    /// <summary>Training samples/s by how the batches are made, and the share of each epoch spent waiting for them.</summary>
    public static void Feed(MLContext ml, DeviceKind device, int steps)
    {
        Steps = steps;
        Console.WriteLine();
        Console.WriteLine($"## Feed on {device}: training samples/s by how batches are made, and the time steps wait for them");
        Console.WriteLine("| preset | batch | feed | samples/s | ratio to streamed, read in step | share of epoch waiting for data |");
        Console.WriteLine("| -- | --: | -- | --: | --: | --: |");
        var mlp = Mlp(ml, 512 * Steps);
        FeedRows("mlp", 512, device, options => ml.Deep().Regression.Mlp(Options<MlpOptions>(options)), mlp);
        var ratings = Ratings(ml, 4096 * Steps);
        FeedRows("mf", 4096, device, options => ml.Deep().Recommendation.Recommender(Options<RecommenderOptions>(options)), ratings);
    }

    private static void FeedRows(string preset, int batch, DeviceKind device, Func<TrainingOptions, IEstimator<DeepPredictionTransformer>> trainer, IDataView data)
    {
        double? baseline = null;
        foreach (var (name, cache, prefetch) in new[] { ("streamed, read in step", false, 0), ("streamed, read ahead (2)", false, 2), ("kept on the device", true, 2) })
        {
            var history = trainer(new TrainingOptions { Device = device, BatchSize = batch, Epochs = 3, CacheDataOnDevice = cache, PrefetchBatches = prefetch })
                .Fit(data).History;
            double rate = TimedRate(history);
            baseline ??= rate;
            var timed = Timed(history);
            double waiting = timed.Sum(e => e.FeedWait.TotalSeconds) / timed.Sum(e => e.Duration.TotalSeconds);
            Console.WriteLine($"| {preset} | {batch} | {name} | {rate:N0} | {rate / baseline:F2} | {waiting:P1} |");
            Console.WriteLine(JsonSerializer.Serialize(new { runtime = "bigmodel", feed = name, preset, batch, samples_per_s = rate, feed_wait_share = waiting }));
        }
    }

    /// <summary>Scores of one seed's MLP trained on the CPU and on CUDA (TF32 off), side by side.</summary>
    private static void Agreement(MLContext ml)
    {
        float[] Scores(DeviceKind device)
        {
            var context = new MLContext(seed: 5);
            var data = Mlp(context, 2048);
            var options = new MlpOptions { Device = device, Epochs = 3, AllowTf32 = false, PrefetchBatches = 0 };
            return context.Data.CreateEnumerable<Scored>(context.Deep().Regression.Mlp(options).Fit(data).Transform(data), false).Select(s => s.Score).ToArray();
        }
        var cpu = Scores(DeviceKind.Cpu);
        var gpu = Scores(DeviceKind.Cuda);
        double largest = cpu.Zip(gpu).Max(p => Math.Abs(p.First - p.Second));
        double scale = cpu.Max(Math.Abs);
        Console.WriteLine();
        Console.WriteLine($"CPU against CUDA, MLP of one seed (TF32 off): largest score difference {largest:G3} (scores up to {scale:G3}).");
        Console.WriteLine(JsonSerializer.Serialize(new { runtime = "bigmodel", check = "cpu-cuda-agreement", largest_difference = largest, largest_score = scale }));
    }

    private static void Report(MLContext ml, string preset, int batch, DeviceKind device, Func<int, IDataView> data,
        Func<TrainingOptions, IEstimator<DeepPredictionTransformer>> trainer)
    {
        var options = new TrainingOptions { Device = device, BatchSize = batch, Epochs = 3, CacheDataOnDevice = true };
        double rate;
        try
        {
            rate = TimedRate(trainer(options).Fit(data(batch * Steps)).History);
        }
        catch (Exception e)
        {
            Console.WriteLine($"| {preset} | {batch} | failed: {e.GetType().Name}: {e.Message.Split('\n')[0]} |");
            return;
        }
        Console.WriteLine($"| {preset} | {batch} | {rate:N0} |");
        Console.WriteLine(JsonSerializer.Serialize(new { runtime = "bigmodel", preset, device = device.ToString().ToLowerInvariant(), batch, steps = Steps * 2 /* epochs 2 and 3 */, samples_per_s = rate }));
    }

    /// <summary>Rows per second of the timed epochs.</summary>
    private static double TimedRate(TrainingHistory history)
    {
        var timed = Timed(history);
        return timed.Sum(e => e.Rows) / timed.Sum(e => e.Duration.TotalSeconds);
    }

    /// <summary>The last stage's epochs after its first (the recommenders train biases alone first, then the whole model).</summary>
    private static List<EpochMetrics> Timed(TrainingHistory history) =>
        [.. history.Epochs.Where(e => e.Stage == history.Epochs[^1].Stage).Skip(1)];

    /// <summary>A preset's options with the benchmark's shared settings (AdamW and a constant rate, as the PyTorch script).</summary>
    private static T Options<T>(TrainingOptions shared, Action<T>? configure = null) where T : TrainingOptions, new()
    {
        var options = new T
        {
            Device = shared.Device, BatchSize = shared.BatchSize, Epochs = shared.Epochs, CacheDataOnDevice = shared.CacheDataOnDevice,
            PrefetchBatches = shared.PrefetchBatches, MinimumStepsPerEpoch = shared.MinimumStepsPerEpoch,
            Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 0.01, Schedule = LearningRateSchedule.Constant,
        }.OnEveryRow(); // the MLP and text defaults hold a tenth out: each run times the same work
        configure?.Invoke(options);
        return options;
    }

    private static IDataView Mlp(MLContext ml, int rows)
    {
        var random = new Random(1);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(_ =>
        {
            var x = Enumerable.Range(0, 32).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            return new Row { Features = x, Label = MathF.Sin(3 * x[0]) + x[1] * x[2] };
        }).ToList());
    }

    private static IDataView Images(MLContext ml, int rows, int channels, int side)
    {
        var random = new Random(3);
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, channels * side * side);
        var images = ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(_ => new ImageRow
        {
            Image = Enumerable.Range(0, channels * side * side).Select(_ => (float)random.NextDouble()).ToArray(), Label = random.Next(10),
        }).ToList(), schema);
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(images).Transform(images);
    }

    private static IDataView Ratings(MLContext ml, int rows)
    {
        var random = new Random(2);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(_ => new Interaction
        {
            UserId = (uint)random.Next(1, Interaction.Users + 1), ItemId = (uint)random.Next(1, Interaction.Items + 1), Label = random.Next(11),
        }).ToList());
    }

    /// <summary>Texts of 126 whole-word tokens (128 with [CLS] and [SEP]) over a MiniLM-sized vocabulary.</summary>
    private static IDataView Texts(MLContext ml, int rows)
    {
        var random = new Random(4);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(_ => new Sentence
        {
            Text = string.Join(' ', Enumerable.Range(0, 126).Select(_ => $"w{random.Next(30_000)}")), Label = random.Next(2) == 0,
        }).ToList());
    }

    /// <summary>A vocabulary of 30,522 tokens, as MiniLM's: the special tokens, then words w0 … w30516.</summary>
    private static string MiniLmVocabulary()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bigmodel-bench-vocab-{Environment.ProcessId}.txt");
        File.WriteAllLines(path, new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }.Concat(Enumerable.Range(0, 30_517).Select(i => $"w{i}")));
        return path;
    }

    private sealed class Sentence
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }

    private sealed class Scored
    {
        public float Score { get; set; }
    }
}
