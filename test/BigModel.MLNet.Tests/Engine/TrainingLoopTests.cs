using BigModel.MLNet.Engine;
using BigModel.MLNet.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Engine;

[TestClass]
public class TrainingLoopTests
{
    /// <summary>
    /// Regression on two features uniform in [-1, 1]: by default y = sin(3x₀) + x₁², which needs the hidden layer to be
    /// learned; or another <paramref name="target"/>, with uniform noise of amplitude <paramref name="noise"/> added.
    /// </summary>
    private sealed class Problem : IDisposable
    {
        public Problem(int rows, int seed, int batchSize = 32, Func<float, float, float>? target = null, double noise = 0)
        {
            target ??= (x0, x1) => MathF.Sin(3 * x0) + x1 * x1;
            // Generated in C#: TorchSharp arithmetic with C# numbers makes temporary scalars (see Engine/Scalars.cs).
            var random = new Random(seed);
            var x = new float[rows * 2];
            var y = new float[rows];
            for (int i = 0; i < rows; i++)
            {
                x[2 * i] = (float)(random.NextDouble() * 2 - 1);
                x[2 * i + 1] = (float)(random.NextDouble() * 2 - 1);
                y[i] = target(x[2 * i], x[2 * i + 1]);
                if (noise > 0)
                    y[i] += (float)(noise * (random.NextDouble() * 2 - 1));
            }
            using var inputs = tensor(x, [rows, 2]);
            using var targets = tensor(y, [rows]);
            Source = new InMemoryBatchSource(inputs, targets, batchSize);
        }
        public InMemoryBatchSource Source { get; }
        public void Dispose() => Source.Dispose();
    }

    private sealed class SquaredError : ITrainingTask
    {
        public LossFunction Loss => (output, target) => { using var error = output.squeeze(-1) - target; return error * error; };
        public bool IsClassification => false;
        public long CountCorrect(Tensor output, Tensor target) => 0;
    }

    private static TrainableNetwork Network(int seed)
    {
        manual_seed(seed);
        return TrainableNetwork.From(nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 1)));
    }

    private static (TrainingHistory History, float[] Weights) Train(TrainingOptions options, int seed = 1, Func<bool>? cancel = null)
    {
        using var train = new Problem(512, 11);
        using var validation = new Problem(256, 12);
        var network = Network(seed);
        var context = TrainingContext.Cpu(seed) with { IsCancellationRequested = cancel ?? (() => false) };
        var history = new TrainingLoop(options, new SquaredError(), context).Run(network, train.Source, validation.Source);
        var weights = network.Module.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        return (history, weights);
    }

    [TestMethod]
    public void LossFallsWellBelowTheFirstEpoch()
    {
        var (history, _) = Train(new TrainingOptions { Epochs = 40, LearningRate = 2e-2, Schedule = LearningRateSchedule.OneCycle });
        Assert.HasCount(40, history.Epochs);
        // Predicting the mean scores about 0.6 here (the variance of y); a learned fit must do far better.
        Assert.IsLessThan(0.05, history.Epochs[^1].ValidationLoss!.Value);
    }

    [TestMethod]
    public void SameSeedGivesTheSameWeights()
    {
        var options = new TrainingOptions { Epochs = 3, GradientClipNorm = 1, Optimizer = OptimizerKind.Sgd, LearningRate = 0.05 };
        var (_, first) = Train(options, seed: 5);
        var (_, second) = Train(options, seed: 5);
        var (_, other) = Train(options, seed: 6);
        CollectionAssert.AreEqual(first, second);
        CollectionAssert.AreNotEqual(first, other);
    }

    [TestMethod]
    public void EarlyStoppingStopsAndRestoresTheBestEpoch()
    {
        // A learning rate this large makes validation loss bounce, so patience runs out.
        var seen = new List<EpochMetrics>();
        var options = new TrainingOptions
        {
            Epochs = 200, LearningRate = 0.05, Optimizer = OptimizerKind.Sgd, Momentum = 0.95,
            EarlyStoppingPatience = 3, EpochEnded = seen.Add,
        };
        using var train = new Problem(512, 11);
        using var validation = new Problem(256, 12);
        var network = Network(3);
        var loop = new TrainingLoop(options, new SquaredError(), TrainingContext.Cpu(3));
        var history = loop.Run(network, train.Source, validation.Source);

        Assert.IsTrue(history.StoppedEarly);
        Assert.IsLessThan(200, history.Epochs.Count);
        var best = history.Epochs.MinBy(e => e.ValidationLoss)!;
        Assert.AreEqual(best.Epoch, history.BestEpoch);
        Assert.AreEqual(history.Epochs.Count, history.BestEpoch + 3, "stops exactly `patience` epochs after the best");
        CollectionAssert.AreEqual(history.Epochs.ToList(), seen, "the callback saw every epoch");

        // The restored weights reproduce the best epoch's validation loss.
        double restored = ValidationLoss(network, validation.Source);
        Assert.AreEqual(best.ValidationLoss!.Value, restored, 1e-5);
    }

    [TestMethod]
    public void EarlyStoppingOnAccuracyKeepsTheMostAccurateEpochWhateverTheLoss()
    {
        // Fine-tuning's pattern: the loss is lowest at epoch 2 and then climbs while accuracy peaks at epoch 3.
        (double Loss, double Accuracy)[] epochs = [(0.60, 0.60), (0.50, 0.65), (0.70, 0.80), (0.90, 0.80), (1.10, 0.75)];
        using var module = nn.Linear(2, 1);
        using var stopping = new EarlyStopping(EarlyStoppingMetric.ValidationAccuracy, patience: 2, minDelta: 0);
        int epoch = 0;
        bool stopped = false;
        while (!stopped)
        {
            var (loss, accuracy) = epochs[epoch++];
            using (no_grad())
                module.weight.fill_(epoch); // marks the epoch's weights
            stopped = stopping.Update(new EpochMetrics(epoch, 0, loss, accuracy, 1e-3, TimeSpan.Zero, 10), module);
        }

        Assert.AreEqual(5, epoch, "a tie (epoch 4) is no improvement, so patience runs out at epoch 5");
        Assert.AreEqual(3, stopping.BestEpoch);
        stopping.RestoreBest(module);
        Assert.AreEqual(3f, module.weight[0, 0].item<float>());
    }

    [TestMethod]
    public void AnUpdatesWeightInTheAverageHalvesAfterTheHalfLife()
    {
        using var module = nn.Linear(1, 1, hasBias: false);
        using (no_grad())
            module.weight.fill_(0);
        using var average = new WeightAverage(module, halfLifeSteps: 4);
        long step = 0;
        for (; step < 200; step++)
            average.Update(step); // long past the first steps, whose larger weight caps the decay
        using (no_grad())
            module.weight.fill_(1);
        for (int i = 0; i < 4; i++)
            average.Update(step++);

        average.SwapIn();
        Assert.AreEqual(0.5f, module.weight[0, 0].item<float>(), 1e-6f, "four steps at 1 after a long run at 0");
        average.SwapOut();
        Assert.AreEqual(1f, module.weight[0, 0].item<float>(), "training goes on from the live weights");
    }

    [TestMethod]
    public void AveragedWeightsLandNearerTheOptimumThanTheLastStepOfANoisyRun()
    {
        // Linear data with noisy labels: SGD at a constant rate in batches of 4 ends wherever its last steps threw
        // it; the average of those steps sits nearer the true weights, which the noise-free validation rows measure.
        double ExcessLoss(double? halfLife)
        {
            using var train = new Problem(512, 1, batchSize: 4, target: (x0, x1) => 2 * x0 - x1, noise: 1);
            using var validation = new Problem(256, 2, target: (x0, x1) => 2 * x0 - x1);
            manual_seed(1);
            var network = TrainableNetwork.From(nn.Sequential(nn.Linear(2, 1)));
            var options = new TrainingOptions
            {
                Epochs = 5, LearningRate = 0.1, Optimizer = OptimizerKind.Sgd, Schedule = LearningRateSchedule.Constant,
                MinimumStepsPerEpoch = 0, WeightAveragingHalfLife = halfLife,
            };
            var history = new TrainingLoop(options, new SquaredError(), TrainingContext.Cpu(1)).Run(network, train.Source, validation.Source);
            Assert.AreEqual(history.Epochs[^1].ValidationLoss!.Value, ValidationLoss(network, validation.Source), 1e-6,
                "the trained network is the one validated");
            return history.Epochs[^1].ValidationLoss!.Value;
        }
        double last = ExcessLoss(null), averaged = ExcessLoss(1);
        Assert.IsLessThan(0.3 * last, averaged);
    }

    [TestMethod]
    public void CancellationStopsWithinOneBatch()
    {
        int polls = 0;
        Assert.ThrowsExactly<OperationCanceledException>(() => Train(new TrainingOptions { Epochs = 5 }, cancel: () => ++polls > 3));
        Assert.AreEqual(4, polls, "cancellation is polled before every batch and acts at once");
    }

    [TestMethod]
    public void EarlyStoppingWithoutValidationDataIsRejected()
    {
        using var train = new Problem(64, 1);
        var loop = new TrainingLoop(new TrainingOptions { EarlyStoppingPatience = 2 }, new SquaredError(), TrainingContext.Cpu(1));
        var error = Assert.ThrowsExactly<ArgumentException>(() => loop.Run(Network(1), train.Source, null));
        StringAssert.Contains(error.Message, nameof(TrainingOptions.ValidationFraction));
    }

    [TestMethod]
    public void InvalidOptionIsNamed()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TrainingLoop(new TrainingOptions { BatchSize = 0 }, new SquaredError(), TrainingContext.Cpu(1)));
        Assert.AreEqual(nameof(TrainingOptions.BatchSize), error.ParamName);
    }

    [TestMethod]
    public void MemoryStaysFlatAcrossEpochs()
    {
        var counts = new List<long>();
        var options = new TrainingOptions { Epochs = 6, EpochEnded = _ => counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount) };
        Train(options);
        Assert.AreEqual(counts[1], counts[^1], $"live tensors per epoch: {string.Join(", ", counts)}");
    }

    [TestMethod]
    public void OneCycleAndCosineSchedulesPeakAtTheConfiguredRate()
    {
        foreach (var schedule in new[] { LearningRateSchedule.OneCycle, LearningRateSchedule.CosineWithWarmup })
        {
            var rates = new List<double>();
            var scheduler = new LearningRateScheduler(schedule, 0.1, 0.2, 100);
            for (int step = 0; step < 100; step++)
                rates.Add(scheduler.RateAt(step));
            Assert.AreEqual(0.1, rates.Max(), 1e-12);
            Assert.AreEqual(19, rates.IndexOf(rates.Max()), "the peak ends the warm-up");
            Assert.IsLessThan(0.1 / 100, rates[^1], "annealed to (almost) nothing by the last step");
        }
    }

    [TestMethod]
    public void FrozenGroupWaitsItsEpochsThenTrainsAtItsOwnRate()
    {
        using var train = new Problem(128, 11);
        manual_seed(1);
        var first = nn.Linear(2, 16);
        var second = nn.Linear(16, 1);
        var module = nn.Sequential(first, nn.Tanh(), second);
        var snapshots = new List<(float[] First, float[] Second)>();
        float[] Weights(nn.Module m) => m.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        var network = new TrainableNetwork(module, inputs => module.call(inputs[0]), Groups: () =>
        [
            new ParameterGroup(first.parameters().ToList(), LearningRateScale: 0.1, FrozenEpochs: 2),
            new ParameterGroup(second.parameters().ToList()),
        ]);
        var before = (Weights(first), Weights(second));
        var options = new TrainingOptions { Epochs = 3, LearningRate = 0.01, EpochEnded = _ => snapshots.Add((Weights(first), Weights(second))) };
        new TrainingLoop(options, new SquaredError(), TrainingContext.Cpu(1)).Run(network, train.Source, null);

        CollectionAssert.AreEqual(before.Item1, snapshots[1].First, "frozen for epochs 1 and 2");
        CollectionAssert.AreNotEqual(before.Item2, snapshots[0].Second, "the other group trains from the start");
        CollectionAssert.AreNotEqual(snapshots[1].First, snapshots[2].First, "trains from epoch 3");
        Assert.IsTrue(first.parameters().All(p => p.requires_grad), "gradients are back on after training");
    }

    [TestMethod]
    public void ClassWeightsShiftPredictionsTowardTheHeavierClass()
    {
        // Two overlapping classes: weighting class 1 ten times must make the model predict it more often.
        long Predicted1(float[]? weights)
        {
            var random = new Random(4);
            int rows = 400;
            var x = new float[rows];
            var y = new long[rows];
            for (int i = 0; i < rows; i++)
            {
                y[i] = i % 2;
                x[i] = (float)(random.NextDouble() + (y[i] == 1 ? 0.4 : 0));
            }
            using var inputs = tensor(x, [rows, 1]);
            using var targets = tensor(y, [rows]);
            using var source = new InMemoryBatchSource(inputs, targets, 50);
            manual_seed(1);
            var network = TrainableNetwork.From(nn.Sequential(nn.Linear(1, 2)));
            new TrainingLoop(new TrainingOptions { Epochs = 40, LearningRate = 0.05, ClassWeights = weights }, new TwoClasses(), TrainingContext.Cpu(1))
                .Run(network, source, null);
            using var _ = no_grad();
            using var output = network.Forward([inputs]);
            using var predicted = output.argmax(-1).sum();
            return predicted.item<long>();
        }
        long plain = Predicted1(null), weighted = Predicted1([1f, 10f]);
        Assert.IsGreaterThan(plain + 50, weighted, $"class-1 predictions: {plain} unweighted, {weighted} weighted");
    }

    [TestMethod]
    public void BatchSizeOneTrainsOnEveryRow()
    {
        using var train = new Problem(64, 11, batchSize: 1);
        var loop = new TrainingLoop(new TrainingOptions { Epochs = 2, BatchSize = 1 }, new SquaredError(), TrainingContext.Cpu(1));
        var history = loop.Run(Network(1), train.Source, null);
        Assert.IsTrue(history.Epochs.All(e => e.Rows == 64), string.Join(", ", history.Epochs.Select(e => e.Rows)));
    }

    [TestMethod]
    public void BatchNormalisationRefusesOneRowBatchesInsteadOfLeavingNaNStatistics()
    {
        using var train = new Problem(16, 1, batchSize: 1);
        var network = TrainableNetwork.From(nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1)));
        var loop = new TrainingLoop(new TrainingOptions { Epochs = 1, BatchSize = 1 }, new SquaredError(), TrainingContext.Cpu(1));
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => loop.Run(network, train.Source, null));
        StringAssert.Contains(error.Message, "one row");
        StringAssert.Contains(error.Message, "BatchSize is 1");
    }

    [TestMethod]
    public void NonFiniteWeightsOrStatisticsAreNamed()
    {
        var module = nn.Sequential(("dense", nn.Linear(2, 4)), ("norm", nn.BatchNorm1d(4)));
        var health = new NetworkHealth(module);
        health.CheckFinite(epoch: 1); // freshly initialised: fine
        using (no_grad())
            module.named_buffers().Single(b => b.name == "norm.running_var").buffer.fill_(float.NaN);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => health.CheckFinite(epoch: 3));
        StringAssert.Contains(error.Message, "After epoch 3, 'norm.running_var'");
        StringAssert.Contains(error.Message, "BatchSize");
    }

    [TestMethod]
    public void RecomputedBatchNormStatisticsEqualTheTrainingDatas()
    {
        // Batch norm on the inputs: after the recompute its running mean and variance are the data's (x uniform in
        // [-1, 1]: mean 0, variance 1/3); the running average training leaves after a few steps is far from them.
        (float[] Mean, float[] Variance) Statistics(bool recompute)
        {
            using var train = new Problem(200, 1, batchSize: 50);
            manual_seed(1);
            var norm = nn.BatchNorm1d(2);
            var network = TrainableNetwork.From(nn.Sequential(norm, nn.Linear(2, 1)));
            new TrainingLoop(new TrainingOptions { Epochs = 1, RecomputeBatchNormStatistics = recompute }, new SquaredError(), TrainingContext.Cpu(1))
                .Run(network, train.Source, null);
            return (norm.running_mean!.data<float>().ToArray(), norm.running_var!.data<float>().ToArray());
        }
        using var data = new Problem(200, 1);
        using var all = data.Source.ReadEpoch(CPU, null).Select(b => b.Inputs[0]).Aggregate((a, b) => cat([a, b], 0));
        var mean = all.mean([0]).data<float>().ToArray();
        var variance = all.var(0).data<float>().ToArray();
        var (recomputedMean, recomputedVariance) = Statistics(recompute: true);
        CollectionAssert.That.AreClose(mean, recomputedMean, 1e-5f);
        CollectionAssert.That.AreClose(variance, recomputedVariance, 0.02f);
        var (runningMean, _) = Statistics(recompute: false);
        Assert.IsGreaterThan(0.01, Math.Abs(runningMean[0] - mean[0]) + Math.Abs(runningMean[1] - mean[1]), "four steps of momentum 0.1 leave the average far off");
    }

    [TestMethod]
    public void OutputOfTheWrongWidthIsRejectedOnTheFirstBatch()
    {
        using var train = new Problem(64, 1);
        var network = TrainableNetwork.From(nn.Sequential(nn.Linear(2, 3)));
        var loop = new TrainingLoop(new TrainingOptions { Epochs = 1 }, new WidthOne(), TrainingContext.Cpu(1));
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => loop.Run(network, train.Source, null));
        StringAssert.Contains(error.Message, "[32, 3]");
        StringAssert.Contains(error.Message, "[32, 1]");
    }

    [TestMethod]
    public void NativeFailuresNameTheBatchWithoutTheCppStackTrace()
    {
        using var train = new Problem(64, 1);
        var network = TrainableNetwork.From(nn.Sequential(nn.Linear(3, 1))); // the data has two features
        var loop = new TrainingLoop(new TrainingOptions { Epochs = 1 }, new SquaredError(), TrainingContext.Cpu(1));
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => loop.Run(network, train.Source, null));
        StringAssert.Contains(error.Message, "input shape [32, 2]");
        Assert.IsFalse(error.Message.Contains("Exception raised from", StringComparison.Ordinal), error.Message);
        Assert.IsFalse(error.Message.Contains("frame #", StringComparison.Ordinal), error.Message);
    }

    [TestMethod]
    public void ClassWeightsMustMatchTheClassCount()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            new TrainingLoop(new TrainingOptions { ClassWeights = [1, 2, 3] }, new WidthOne { Classes = 2 }, TrainingContext.Cpu(1)));
        Assert.AreEqual(nameof(TrainingOptions.ClassWeights), error.ParamName);
        StringAssert.Contains(error.Message, "2 classes");
    }

    [TestMethod]
    public void LossesSummedOnTheDeviceEqualTheRowWeightedMeanOfEveryBatch()
    {
        // A learning rate too small to move the weights: the epoch's training loss must be the mean per-row loss of the
        // network over the data (batches of 32 and a last one of 4, weighted by rows), read once at the epoch's end.
        using var train = new Problem(100, 1, batchSize: 32);
        var network = Network(1);
        var history = new TrainingLoop(new TrainingOptions { Epochs = 1, LearningRate = 1e-12, Optimizer = OptimizerKind.Sgd, Momentum = 0 },
            new SquaredError(), TrainingContext.Cpu(1)).Run(network, train.Source, train.Source);
        double reference = ValidationLoss(network, train.Source);
        Assert.AreEqual(reference, history.Epochs[0].TrainingLoss, 1e-6);
        Assert.AreEqual(reference, history.Epochs[0].ValidationLoss!.Value, 1e-6);
        Assert.AreEqual(100, history.Epochs[0].Rows);
    }

    [TestMethod]
    public void ProgressArrivesInOrderWithFiniteEstimates()
    {
        var reports = new ProgressReports();
        var options = new TrainingOptions { Epochs = 3, Progress = reports };
        Train(options);
        Assert.IsGreaterThanOrEqualTo(3, reports.Count);
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            var ofEpoch = reports.Where(r => r.Epoch == epoch).ToList();
            Assert.IsNotEmpty(ofEpoch, $"epoch {epoch} reported");
            Assert.AreEqual(ofEpoch[^1].BatchesPerEpoch, ofEpoch[^1].Batch, "the epoch's last batch is always reported");
            Assert.AreEqual(512, ofEpoch[^1].Rows);
        }
        foreach (var (before, after) in reports.Zip(reports.Skip(1)))
        {
            Assert.IsTrue(after.Epoch > before.Epoch || (after.Epoch == before.Epoch && after.Rows > before.Rows && after.Batch > before.Batch), "in order");
        }
        Assert.IsTrue(reports.All(r => r.EpochRemaining >= TimeSpan.Zero && r.FitRemaining >= r.EpochRemaining && r.FitRemaining < TimeSpan.FromHours(1)));
        Assert.IsTrue(reports.All(r => double.IsFinite(r.TrainingLoss) && r.RowsPerSecond > 0));
        Assert.AreEqual(TimeSpan.Zero, reports[^1].FitRemaining, "nothing left after the last batch of the last epoch");
    }

    private sealed class WidthOne : ITrainingTask
    {
        public int? Classes { get; init; }
        public LossFunction Loss => new SquaredError().Loss;
        public bool IsClassification => Classes is not null;
        public long CountCorrect(Tensor output, Tensor target) => 0;
        public int? OutputWidth => 1;
        public int? ClassCount => Classes;
    }

    private sealed class TwoClasses : ITrainingTask
    {
        public LossFunction Loss => (output, target) => nn.functional.cross_entropy(output, target, reduction: nn.Reduction.None);
        public bool IsClassification => true;
        public long CountCorrect(Tensor output, Tensor target) => 0;
    }

    private static double ValidationLoss(TrainableNetwork network, IBatchSource source)
    {
        using var _ = no_grad();
        double sum = 0; long rows = 0;
        foreach (var batch in source.ReadEpoch(CPU, null))
        {
            using var output = network.Forward(batch.Inputs);
            sum += new SquaredError().Loss(output, batch.Target).sum().item<float>();
            rows += batch.Rows;
        }
        return sum / rows;
    }
}
