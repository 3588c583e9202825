using System.Text.Json;
using BigModel.MLNet;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Models.Recommender;
using BigModel.MLNet.Models.Text;
using BigModel.MLNet.Tests.Fixtures;
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

    /// <summary>The presets timed against PyTorch, by the names pytorch_eager.py gives them.</summary>
    private static readonly string[] Presets = ["mlp", "cnn", "cnn-b2048", "resnet18-32", "minilm-128", "minilm-128-bf16", "mf", "neumf"];

    /// <summary>The sections a run can be limited to: each preset, the feed, CPU against CUDA, and the CNN's probe.</summary>
    public static readonly string[] Sections = [.. Presets, "feed", "agreement", "cnn-probe"];

    /// <summary>The chosen sections (all when none is named) on CUDA when there is one, else on the CPU.</summary>
    public static void Run(MLContext ml, int steps, IReadOnlyCollection<string> only)
    {
        Steps = steps;
        BigModel.MLNet.Native.TorchRuntime.EnsureLoaded();
        var device = cuda.is_available() ? DeviceKind.Cuda : DeviceKind.Cpu;
        bool Chosen(string section) => only.Count == 0 || only.Contains(section);
        if (Presets.Any(Chosen))
        {
            Console.WriteLine();
            Console.WriteLine($"## Presets on {device}: training samples/s over {Steps} steps (epochs 2–3 of 3), data kept on the device");
            Console.WriteLine("| preset | batch | samples/s | garbage collection (pauses' share of the fit's epochs) |");
            Console.WriteLine("| -- | --: | --: | -- |");
        }
        if (Chosen("mlp"))
            Report("mlp", 512, device, rows => Mlp(ml, rows), options => ml.Deep().Regression.Mlp(Options<MlpOptions>(options)));
        if (Chosen("cnn"))
            Report("cnn", 512, device, rows => Images(ml, rows, 1, 28), options => ml.Deep().MulticlassClassification.Cnn(Options<CnnOptions>(options)));
        if (Chosen("cnn-b2048")) // the same network with 4 times the work per step
            Report("cnn-b2048", 2048, device, rows => Images(ml, rows, 1, 28), options => ml.Deep().MulticlassClassification.Cnn(Options<CnnOptions>(options)));
        if (Chosen("resnet18-32"))
            Report("resnet18-32", 256, device, rows => Images(ml, rows, 3, 32), options => ml.Deep().MulticlassClassification.Cnn(Options<CnnOptions>(options, o =>
            {
                o.Architecture = CnnArchitecture.ResNet18;
                o.ResNetStem = ResNetStem.SmallImage;
                o.ImageChannels = 3;
                o.ImageHeight = o.ImageWidth = 32;
            })));
        foreach (var precision in new[] { TrainingPrecision.Float32, TrainingPrecision.BFloat16 })
        {
            string preset = precision == TrainingPrecision.BFloat16 ? "minilm-128-bf16" : "minilm-128";
            if (Chosen(preset))
                Report(preset, 32, device, rows => Texts(ml, rows),
                    options => ml.Deep().BinaryClassification.TextClassifier(Options<TextClassifierOptions>(options, o =>
                    {
                        o.VocabularyPath = MiniLmVocabulary();
                        o.MaxLength = 128;
                        o.Config = new BertConfig { HiddenSize = 384, Layers = 6, AttentionHeads = 12, IntermediateSize = 1536 };
                        o.Precision = precision;
                    })));
        }
        if (Chosen("mf"))
            Report("mf", 4096, device, rows => Ratings(ml, rows), options => ml.Deep().Recommendation.Recommender(Options<RecommenderOptions>(options)));
        if (Chosen("neumf"))
            Report("neumf", 4096, device, rows => Ratings(ml, rows), options => ml.Deep().Recommendation.Recommender(Options<RecommenderOptions>(options,
                o => o.Architecture = RecommenderArchitecture.NeuMF)));

        if (Chosen("feed"))
            Feed(ml, device, steps);
        if (Chosen("agreement") && device == DeviceKind.Cuda)
            Agreement();
        if (Chosen("cnn-probe"))
            CnnProbe.Run(steps);
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
        var feeds = new[] { ("streamed, read in step", false, 0), ("streamed, read ahead (2)", false, 2), ("kept on the device", true, 2) };
        foreach (var (_, cache, prefetch) in feeds)
            trainer(Shared(device, batch, WarmUpEpochs, cache, prefetch)).Fit(data);
        foreach (var (name, cache, prefetch) in feeds)
        {
            var history = trainer(Shared(device, batch, TimedEpochs, cache, prefetch)).Fit(data).History;
            double rate = TimedRate(history);
            baseline ??= rate;
            var timed = Timed(history);
            double waiting = timed.Sum(e => e.FeedWait.TotalSeconds) / timed.Sum(e => e.Duration.TotalSeconds);
            Console.WriteLine($"| {preset} | {batch} | {name} | {rate:N0} | {rate / baseline:F2} | {waiting:P1} |");
            Console.WriteLine(JsonSerializer.Serialize(new { runtime = "bigmodel", feed = name, preset, batch, samples_per_s = rate, feed_wait_share = waiting }));
        }
    }

    /// <summary>
    /// Scores of one seed's models trained on the CPU and on CUDA (TF32 off, no dropout, batches read on the host in
    /// the seed's order), side by side: an MLP, a small CNN, matrix factorisation and a small text encoder. The scores
    /// come from each fitted model's Transform, so the CUDA-trained weights are also exported and scored.
    /// </summary>
    private static void Agreement()
    {
        Console.WriteLine();
        Console.WriteLine("## CPU against CUDA: one seed's scores on its training rows (TF32 off, no dropout)");
        Console.WriteLine("| model | rows | largest score difference | largest score |");
        Console.WriteLine("| -- | --: | --: | --: |");
        Compare("mlp", (ml, device) => ml.Deep().Regression.Mlp(Agreeing(new MlpOptions(), device)), ml => Mlp(ml, 2048));
        Compare("cnn", (ml, device) => ml.Deep().MulticlassClassification.Cnn(Agreeing(new CnnOptions { DropoutRate = 0 }, device)),
            ml => Images(ml, 1024, 1, 28));
        Compare("mf", (ml, device) => ml.Deep().Recommendation.Recommender(Agreeing(new RecommenderOptions(), device)), ml => Ratings(ml, 8192));
        Compare("text", (ml, device) => ml.Deep().BinaryClassification.TextClassifier(Agreeing(new TextClassifierOptions
        {
            VocabularyPath = MiniLmVocabulary(), MaxLength = 32, Dropout = 0,
            Config = new BertConfig { HiddenSize = 128, Layers = 2, AttentionHeads = 2, IntermediateSize = 512 },
        }, device)), ml => Texts(ml, 512));
    }

    private static T Agreeing<T>(T options, DeviceKind device) where T : TrainingOptions
    {
        options.Device = device;
        options.Epochs = 3;
        options.AllowTf32 = false;
        options.PrefetchBatches = 0;
        return options;
    }

    private static void Compare(string model, Func<MLContext, DeviceKind, IEstimator<DeepPredictionTransformer>> trainer, Func<MLContext, IDataView> data)
    {
        float[] Scores(DeviceKind device)
        {
            var context = new MLContext(seed: 5);
            var rows = data(context);
            return ColumnValues.Read(trainer(context, device).Fit(rows).Transform(rows), "Score");
        }
        try
        {
            var cpu = Scores(DeviceKind.Cpu);
            var gpu = Scores(DeviceKind.Cuda);
            double largest = cpu.Zip(gpu).Max(p => Math.Abs(p.First - p.Second));
            double scale = cpu.Max(Math.Abs);
            Console.WriteLine($"| {model} | {cpu.Length:N0} | {largest:G3} | {scale:G3} |");
            Console.WriteLine(JsonSerializer.Serialize(new { runtime = "bigmodel", check = "cpu-cuda-agreement", model, largest_difference = largest, largest_score = scale }));
        }
        catch (Exception e)
        {
            Console.WriteLine($"| {model} | failed: {e.GetType().Name}: {e.Message.Split('\n')[0]} | | |");
        }
    }

    private static void Report(string preset, int batch, DeviceKind device, Func<int, IDataView> data,
        Func<TrainingOptions, IEstimator<DeepPredictionTransformer>> trainer)
    {
        double rate, gcShare;
        int collections;
        try
        {
            var rows = data(batch * Steps);
            trainer(Shared(device, batch, WarmUpEpochs)).Fit(rows);
            var (pausedBefore, collectionsBefore) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0));
            var history = trainer(Shared(device, batch, TimedEpochs)).Fit(rows).History;
            rate = TimedRate(history);
            // The garbage collector's pauses during the fit, as a share of its epochs' time: the managed heap holds the
            // synthetic data, so a collection costs more the larger the data.
            gcShare = (GC.GetTotalPauseDuration() - pausedBefore) / history.Epochs.Aggregate(TimeSpan.Zero, (sum, e) => sum + e.Duration);
            collections = GC.CollectionCount(0) - collectionsBefore;
        }
        catch (Exception e)
        {
            Console.WriteLine($"| {preset} | {batch} | failed: {e.GetType().Name}: {e.Message.Split('\n')[0]} | |");
            return;
        }
        Console.WriteLine($"| {preset} | {batch} | {rate:N0} | {gcShare:P1} in {collections} collections |");
        Console.WriteLine(JsonSerializer.Serialize(new { runtime = "bigmodel", preset, device = device.ToString().ToLowerInvariant(), batch, steps = Steps * 2 /* epochs 2 and 3 */, samples_per_s = rate, gc_pause_share = gcShare, collections }));
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

    /// <summary>
    /// Epochs of the timed fit (the first is not timed), and of the untimed fit of the same network before it: a process's
    /// first fit runs colder (methods not yet compiled at their final tier, libtorch's first calls of each kernel), and
    /// the timed fit should see what the rest of a long training sees.
    /// </summary>
    private const int TimedEpochs = 3, WarmUpEpochs = 1;

    /// <summary>The settings a preset's options take from the run (see <see cref="Options{T}"/>).</summary>
    private static TrainingOptions Shared(DeviceKind device, int batch, int epochs, bool cacheOnDevice = true, int prefetch = 2) => new()
    {
        Device = device, BatchSize = batch, Epochs = epochs, CacheDataOnDevice = cacheOnDevice, PrefetchBatches = prefetch,
    };

    /// <summary>A preset's options with the benchmark's shared settings (AdamW and a constant rate, as the PyTorch script).</summary>
    private static T Options<T>(TrainingOptions shared, Action<T>? configure = null) where T : TrainingOptions, new()
    {
        var options = new T
        {
            Device = shared.Device, BatchSize = shared.BatchSize, Epochs = shared.Epochs, CacheDataOnDevice = shared.CacheDataOnDevice,
            PrefetchBatches = shared.PrefetchBatches, MinimumStepsPerEpoch = shared.MinimumStepsPerEpoch,
            Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 0.01, Schedule = LearningRateSchedule.Constant,
            // Work the PyTorch script does not do: weight averaging (the MLP's default) and the pass over the training
            // data that recomputes batch-norm statistics after the last epoch (the CNNs').
            WeightAveragingHalfLife = null, RecomputeBatchNormStatistics = false,
        }.OnEveryRow(); // the MLP and text defaults hold a tenth out: each run times the same work
        if (options is MlpOptions mlp)
            mlp.EnsembleSize = 1; // the PyTorch script trains one network, not the default's eight members side by side
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
        if (!File.Exists(path))
            File.WriteAllLines(path, new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }.Concat(Enumerable.Range(0, 30_517).Select(i => $"w{i}")));
        return path;
    }

    private sealed class Sentence
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }
}
