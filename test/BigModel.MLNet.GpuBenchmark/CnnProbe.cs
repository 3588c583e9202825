using System.Diagnostics;
using System.Text.Json;
using BigModel.MLNet;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary>
/// Where the small CNN's gap to PyTorch on the GPU lies. The preset's network and training step are written directly
/// against TorchSharp, with none of the package's code, and then with one of the package's parts at a time in place of
/// TorchSharp's: its optimiser, its per-step random stream, its network class, its whole training loop. cnn_probe.py
/// times the same step in PyTorch, so that one device call says whether the gap is in TorchSharp or in which part of
/// the package.
/// </summary>
static class CnnProbe
{
    private const int Warmup = 10;

    public static void Run(int steps)
    {
        var device = cuda.is_available() ? CUDA : CPU;
        backends.cuda.matmul.allow_tf32 = true;
        backends.cudnn.allow_tf32 = true;
        Console.WriteLine();
        Console.WriteLine($"## CNN probe in TorchSharp on {device.type}: cuDNN available {cuda.is_cudnn_available()}; " +
            "one training step of the small CNN (AdamW, batches selected on the device)");
        Console.WriteLine("| step | batch | ms per step |");
        Console.WriteLine("| -- | --: | --: |");
        foreach (int batch in new[] { 512, 2048 })
        {
            using var scope = NewDisposeScope();
            var data = new DeviceBatches(batch, device);
            Report("plain TorchSharp", batch, TimeSteps(steps, device, Step(Plain(device), data)));
            Report("with the package's optimiser", batch, TimeSteps(steps, device, Step(Plain(device), data, packageOptimizer: true)));
            Report("with the package's random stream around the forward pass", batch, TimeSteps(steps, device, Step(Plain(device), data, seeded: true)));
            Report("with the package's SmallCnn module", batch, TimeSteps(steps, device, Step(Package(device), data)));
            Report("the package's training loop (TrainingLoop.Run)", batch, LoopMilliseconds(steps, device, data));
        }
    }

    /// <summary>The small CNN preset's layers as a plain TorchSharp sequence.</summary>
    private static nn.Module<Tensor, Tensor> Plain(Device device)
    {
        manual_seed(0);
        return nn.Sequential(
            nn.Unflatten(1, [1, 28, 28]),
            nn.Conv2d(1, 32, 3, padding: 1, bias: false), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding: 1, bias: false), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10)).to(device);
    }

    /// <summary>The package's own small CNN class with the preset's options.</summary>
    private static nn.Module<Tensor, Tensor> Package(Device device)
    {
        manual_seed(0);
        return new SmallCnn(new CnnOptions(), outputs: 10).to(device);
    }

    /// <summary>
    /// One training step (cross-entropy, AdamW) on the next batch: with TorchSharp's optimiser or the package's, and
    /// with the forward pass plain or under the package's per-step random stream.
    /// </summary>
    private static Action Step(nn.Module<Tensor, Tensor> network, DeviceBatches data, bool packageOptimizer = false, bool seeded = false)
    {
        network.train();
        Action zeroGrad, update;
        if (packageOptimizer)
        {
            var optimizer = new Optimizer(OptimizerKind.AdamW, [new ParameterGroup([.. network.parameters()])], weightDecay: 0.01, momentum: 0);
            (zeroGrad, update) = (optimizer.ZeroGrad, () => optimizer.Step(1e-3));
        }
        else
        {
            var optimizer = optim.AdamW(network.parameters(), lr: 1e-3, weight_decay: 0.01);
            (zeroGrad, update) = (() => optimizer.zero_grad(), () => optimizer.step());
        }
        long step = 0;
        return () =>
        {
            var (x, y) = data.Next();
            zeroGrad();
            using var output = seeded ? TorchRandom.Draw(1, ++step, () => network.call(x)) : network.call(x);
            nn.functional.cross_entropy(output, y).backward();
            update();
        };
    }

    /// <summary>Milliseconds per step of the package's training loop on the same network and batches (its timed epochs
    /// after the first).</summary>
    private static double LoopMilliseconds(int steps, Device device, DeviceBatches data)
    {
        var options = new TrainingOptions
        {
            Epochs = 3, BatchSize = data.BatchSize, LearningRate = 1e-3, WeightDecay = 0.01, Schedule = LearningRateSchedule.Constant,
            RecomputeBatchNormStatistics = false, WeightAveragingHalfLife = null,
        };
        var loop = new TrainingLoop(options, TenClasses(), new TrainingContext(device, 1, _ => { }, () => false));
        var history = loop.Run(TrainableNetwork.From(Plain(device)), new EpochsOf(data, steps), validation: null);
        var timed = history.Epochs.Skip(1).ToList();
        return timed.Sum(e => e.Duration.TotalMilliseconds) / (steps * timed.Count);
    }

    /// <summary>The package's multiclass task (cross-entropy) for a label of ten classes.</summary>
    private static MulticlassClassificationTask TenClasses()
    {
        var schema = new DataViewSchema.Builder();
        schema.AddColumn("Label", new KeyDataViewType(typeof(uint), 10));
        return MulticlassClassificationTask.For(schema.ToSchema()["Label"]);
    }

    /// <summary>Milliseconds per call of <paramref name="step"/> (each in its own dispose scope) after a warm-up.</summary>
    private static double TimeSteps(int steps, Device device, Action step)
    {
        for (int i = 0; i < Warmup; i++)
        {
            using var scope = NewDisposeScope();
            step();
        }
        Synchronize(device);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            step();
        }
        Synchronize(device);
        return clock.Elapsed.TotalMilliseconds / steps;
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA)
            cuda.synchronize(device);
    }

    private static void Report(string step, int batch, double milliseconds)
    {
        Console.WriteLine($"| {step} | {batch} | {milliseconds:F3} |");
        Console.WriteLine(JsonSerializer.Serialize(new { runtime = "torchsharp", probe = step, batch, ms_per_step = milliseconds }));
    }

    /// <summary>Random pixels and labels held on the device, served in consecutive batches (indices made on the device).</summary>
    private sealed class DeviceBatches(int batchSize, Device device)
    {
        private readonly Tensor _pixels = rand(batchSize * 8L, 28 * 28, device: device);
        private readonly Tensor _labels = randint(0, 10, [batchSize * 8L], device: device);
        private long _next;

        public int BatchSize => batchSize;

        public (Tensor Pixels, Tensor Labels) Next()
        {
            using var index = arange(_next, _next + batchSize, device: _pixels.device).remainder_(_pixels.shape[0]);
            _next += batchSize;
            return (_pixels.index_select(0, index), _labels.index_select(0, index));
        }
    }

    /// <summary>Epochs of a fixed number of batches from <see cref="DeviceBatches"/>, for the training loop.</summary>
    private sealed class EpochsOf(DeviceBatches data, int steps) : IBatchSource
    {
        public long BatchesPerEpoch => steps;

        public IEnumerable<TensorBatch> ReadEpoch(Device device, Random? shuffle)
        {
            for (int i = 0; i < steps; i++)
            {
                var (pixels, labels) = data.Next();
                yield return new TensorBatch([pixels], labels);
            }
        }
    }
}
