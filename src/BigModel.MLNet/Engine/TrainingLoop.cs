using System.Diagnostics;
using BigModel.MLNet.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// The one training engine behind every model: epochs of mini-batches with an optimiser, schedule,
/// gradient clipping, class weights, validation and early stopping. Knows nothing of ML.NET.
/// </summary>
/// <remarks>
/// Each batch runs inside its own <c>torch.NewDisposeScope()</c>, so tensor memory stays flat across
/// epochs. The split into <see cref="TrainEpoch"/>, <see cref="TrainStep"/> and <see cref="Evaluate"/>
/// mirrors what a reader looks for: a fit is epochs, an epoch is steps plus validation.
/// </remarks>
public sealed class TrainingLoop
{
    private readonly TrainingOptions _options;
    private readonly ITrainingTask _task;
    private readonly TrainingContext _context;

    /// <summary>The task the loop trains for.</summary>
    public ITrainingTask Task => _task;

    /// <summary>Prepares a loop; <see cref="Run"/> does the work.</summary>
    public TrainingLoop(TrainingOptions options, ITrainingTask task, TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.ClassWeights is not null && !task.IsClassification)
            throw new ArgumentException($"{nameof(TrainingOptions.ClassWeights)} applies to classification only.", nameof(options));
        if (options.EarlyStoppingPatience is not null && options.EarlyStoppingMetric == EarlyStoppingMetric.ValidationAccuracy && !task.IsClassification)
            throw new ArgumentException($"Early stopping on validation accuracy needs a classification task: set {nameof(TrainingOptions.EarlyStoppingMetric)} " +
                $"to {nameof(EarlyStoppingMetric.ValidationLoss)}.", nameof(options));
        if (options.ClassWeights is { } weights && task.ClassCount is int classes && weights.Length != classes)
            throw new ArgumentOutOfRangeException(nameof(TrainingOptions.ClassWeights), weights.Length,
                $"{nameof(TrainingOptions.ClassWeights)} has {weights.Length} weights, but the label has {classes} classes: give one " +
                "weight per class, in key order (binary: false, then true).");
        _options = options;
        _task = task;
        _context = context;
    }

    /// <summary>
    /// Trains <paramref name="network"/> in place on <paramref name="training"/>, validating on
    /// <paramref name="validation"/> after every epoch when given.
    /// </summary>
    /// <param name="network">The network; it is moved to the context's device.</param>
    /// <param name="training">The training batches.</param>
    /// <param name="validation">Validation batches, or null.</param>
    /// <exception cref="OperationCanceledException">Cancellation was requested; checked before every batch.</exception>
    public TrainingHistory Run(TrainableNetwork network, IBatchSource training, IBatchSource? validation)
    {
        if (_options.EarlyStoppingPatience is not null && validation is null)
            throw new ArgumentException(
                $"{nameof(TrainingOptions.EarlyStoppingPatience)} needs validation data: pass it to Fit, or set {nameof(TrainingOptions.ValidationFraction)} or {nameof(TrainingOptions.ValidationColumnName)}; or set {nameof(TrainingOptions.EarlyStoppingPatience)} to null to train without it.");
        if (training.BatchesPerEpoch <= 0)
            throw new ArgumentException("The training data has no rows.", nameof(training));

        network.Module.to(_context.Device);
        var groups = network.ParameterGroups(); // after the move, which replaces the parameters
        CudaPrecision.Apply(_context.Device, _options.AllowTf32, _context.Log);
        BatchNormStatistics.DropBatchCounters(network.Module);
        var health = new NetworkHealth(network.Module);
        using var optimizer = new Optimizer(_options.Optimizer, groups, _options.WeightDecay, _options.Momentum);
        using var classWeights = _options.ClassWeights is { } w ? tensor(w, device: _context.Device).DetachFromDisposeScope() : null;
        var schedule = new LearningRateScheduler(_options.Schedule, _options.LearningRate, _options.WarmupFraction,
            training.BatchesPerEpoch * (_options.ScheduleEpochs ?? _options.Epochs));
        using var earlyStopping = _options.EarlyStoppingPatience is { } patience
            ? new EarlyStopping(_options.EarlyStoppingMetric, patience, _options.EarlyStoppingMinDelta)
            : null;

        bool recomputeNorms = _options.RecomputeBatchNormStatistics && BatchNormStatistics.Applies(network.Module);
        var epochs = new List<EpochMetrics>();
        var run = new RunState(_context.Seed);
        if (_options.WarmStartFrom is { } warmStart)
            Checkpoints.WarmStart(warmStart, network.Module, _context);
        using var average = _options.WeightAveragingHalfLife is { } halfLife
            ? new WeightAverage(network.Module, halfLife * training.BatchesPerEpoch)
            : null;
        if (_options.ResumeFrom is { } resume)
            run = Checkpoints.Resume(resume, network.Module, optimizer, earlyStopping, average, epochs, _context);
        _statisticsDraws = run.StatisticsDraws;
        long step = run.Step;
        var epochSeeds = new Random(run.Seed); // not HashCode.Combine: that is salted per process
        for (int done = 0; done < run.Epoch; done++)
            epochSeeds.Next(); // the shuffles the resumed epochs used
        _seed = run.Seed;
        var progress = new ProgressReporter(_options, _context.Log, training.BatchesPerEpoch);
        bool stoppedEarly = false;
        for (int epoch = run.Epoch + 1; epoch <= _options.Epochs && !stoppedEarly; epoch++)
        {
            var clock = Stopwatch.StartNew();
            Freeze(groups, epoch);
            var shuffle = _options.ShuffleBufferSize > 0 ? new Random(epochSeeds.Next()) : null;
            progress.StartEpoch(epoch, earlyStopping?.BestEpoch);
            var (loss, rows, feedWait) = TrainEpoch(network, health, optimizer, average, training.ReadEpoch(_context.Device, shuffle), classWeights, schedule, progress, epoch, ref step);
            average?.SwapIn(); // validation, batch-norm statistics and early stopping see the averaged weights
            if (recomputeNorms && (validation is not null || epoch == _options.Epochs))
                RecomputeBatchNorm(network, training);
            health.CheckFinite(epoch);
            var (validationLoss, validationAccuracy) = validation is null ? (null, null) : Evaluate(network, validation, classWeights);
            var metrics = new EpochMetrics(epoch, loss, validationLoss, validationAccuracy, schedule.RateAt(Math.Max(0, step - 1)), clock.Elapsed, rows)
            {
                FeedWait = feedWait,
                Stage = _options.Stage,
            };
            epochs.Add(metrics);
            progress.EndEpoch(clock.Elapsed);
            _context.Log(Describe(metrics));
            _options.EpochEnded?.Invoke(metrics);
            stoppedEarly = earlyStopping?.Update(metrics, network.Module) == true && epoch < _options.Epochs;
            average?.SwapOut(); // training, and checkpoints (a resumed run trains on), go on from the live weights
            if (_options.CheckpointFolder is { } folder && (epoch % _options.CheckpointEveryEpochs == 0 || epoch == _options.Epochs || stoppedEarly))
                Checkpoints.Write(folder, new RunState(run.Seed, epoch, step, _statisticsDraws), network.Module, optimizer, earlyStopping, average, epochs);
        }
        Freeze(groups, int.MaxValue);
        if (earlyStopping is null)
            average?.KeepAverage();
        earlyStopping?.RestoreBest(network.Module);
        if (earlyStopping is not null)
            _context.Log($"Kept the weights of epoch {earlyStopping.BestEpoch}{(stoppedEarly ? " (stopped early)" : "")}.");
        network.Module.eval();
        return new TrainingHistory(epochs, earlyStopping?.BestEpoch, stoppedEarly, _context.Device.ToString());
    }

    /// <summary>Batch-norm statistics from the training data with the current weights (unshuffled, unaugmented batches).</summary>
    private void RecomputeBatchNorm(TrainableNetwork network, IBatchSource training) =>
        BatchNormStatistics.Recompute(network.Module, Scoped(training.ReadEpoch(_context.Device, shuffle: null)),
            inputs => TorchRandom.Draw(_seed, -(++_statisticsDraws), () => network.Forward(inputs))); // dropout draws its own stream

    private long _statisticsDraws;

    /// <summary>The run's seed: the context's, or the resumed checkpoint's.</summary>
    private int _seed;

    /// <summary>Switches gradients off for groups still inside their frozen epochs, and on again after.</summary>
    private void Freeze(IReadOnlyList<ParameterGroup> groups, int epoch)
    {
        foreach (var group in groups.Where(g => g.FrozenEpochs > 0))
        {
            bool train = epoch > group.FrozenEpochs;
            if (train && epoch == group.FrozenEpochs + 1)
                _context.Log($"Epoch {epoch}: unfreezing {group.Parameters.Count} parameter tensors (learning rate ×{group.LearningRateScale:G3}).");
            foreach (var parameter in group.Parameters)
                parameter.requires_grad = train;
        }
    }

    /// <summary>
    /// One epoch of training steps; returns the mean loss, the rows and the time spent waiting for batches. The loss
    /// accumulates on the device.
    /// </summary>
    private (double Loss, long Rows, TimeSpan FeedWait) TrainEpoch(TrainableNetwork network, NetworkHealth health, Optimizer optimizer,
        WeightAverage? average, IEnumerable<TensorBatch> batches, Tensor? classWeights, LearningRateScheduler schedule, ProgressReporter progress, int epoch, ref long step)
    {
        network.Module.train();
        using var totals = new RunningTotals(_context.Device);
        long batch = 0;
        var waiting = new Stopwatch();
        foreach (var read in Scoped(Timed(batches, waiting)))
        {
            health.CheckBatch(read, _options.BatchSize);
            totals.AddLoss(TrainStep(network, optimizer, read, classWeights, schedule.RateAt(step), step), read.DataRows);
            average?.Update(step);
            step++;
            progress.Batch(++batch, totals);
        }
        if (totals.Rows == 0)
            throw new InvalidOperationException("The training data produced no batches.");
        double loss = totals.MeanLoss;
        if (!double.IsFinite(loss))
            throw new InvalidOperationException(
                $"The training loss became {loss} in epoch {epoch} (by step {step}). Lower {nameof(TrainingOptions.LearningRate)}, " +
                $"set {nameof(TrainingOptions.GradientClipNorm)}, or normalise the features.");
        return (loss, totals.Rows, waiting.Elapsed);
    }

    /// <summary>The batches, with the time spent producing each (or waiting for it) added to <paramref name="waiting"/>.</summary>
    private static IEnumerable<TensorBatch> Timed(IEnumerable<TensorBatch> batches, Stopwatch waiting)
    {
        using var enumerator = batches.GetEnumerator();
        while (true)
        {
            waiting.Start();
            bool more = enumerator.MoveNext();
            waiting.Stop();
            if (!more)
                yield break;
            yield return enumerator.Current;
        }
    }

    /// <summary>One optimisation step; returns the batch's mean loss as a tensor (in the batch's dispose scope, on the device).</summary>
    private Tensor TrainStep(TrainableNetwork network, Optimizer optimizer, TensorBatch batch, Tensor? classWeights, double learningRate, long step)
    {
        optimizer.ZeroGrad();
        Tensor loss;
        using (MixedPrecision())
        {
            // Dropout draws from the run's own stream (TorchRandom), so concurrent fits do not disturb each other.
            using var output = Native(() => TorchRandom.Draw(_seed, step + 1, () => network.Forward(batch.Inputs)), batch, "forward pass");
            if (step == 0)
                CheckOutputShape(output, batch, network.OutputsPerRow);
            using var outputFloat = output.to_type(ScalarType.Float32); // the loss in float32 whatever the forward pass ran in
            using var target = network.OutputsPerRow == 1 ? batch.Target.alias() : batch.Target.repeat_interleave(network.OutputsPerRow, 0);
            using var dataLoss = Native(() => BatchLoss(outputFloat, target, classWeights), batch, "loss");
            loss = network.Penalty?.Invoke() is { } penalty ? dataLoss.add(penalty, Scalars.One) : dataLoss.alias();
        }
        loss.backward();
        if (_options.GradientClipNorm is { } norm && norm > 0)
            nn.utils.clip_grad_norm_(network.Module.parameters(), norm);
        optimizer.Step(learningRate);
        return loss;
    }

    /// <summary>bfloat16 autocast around a training step's forward pass and loss when <see cref="TrainingOptions.Precision"/>
    /// asks for it (the backward pass follows the casts the forward pass recorded); otherwise nothing.</summary>
    private IDisposable? MixedPrecision() =>
        _options.Precision == TrainingPrecision.BFloat16 ? Autocast.BFloat16(_context.Device) : null;

    /// <summary>Mean loss and (for classification) accuracy over a whole source, without gradients.</summary>
    private (double? Loss, double? Accuracy) Evaluate(TrainableNetwork network, IBatchSource source, Tensor? classWeights)
    {
        network.Module.eval();
        using var _ = no_grad();
        using var totals = new RunningTotals(_context.Device);
        foreach (var batch in Scoped(source.ReadEpoch(_context.Device, shuffle: null)))
        {
            using var output = Native(() => network.Forward(batch.Inputs), batch, "forward pass on validation data");
            totals.AddLoss(BatchLoss(output, batch.Target, classWeights), batch.Rows);
            if (_task.IsClassification)
                totals.AddCorrect(_task.Correct(output, batch.Target));
        }
        if (totals.Rows == 0)
            return (null, null);
        return (totals.MeanLoss, _task.IsClassification ? totals.Accuracy : null);
    }

    /// <summary>
    /// Streams batches, each inside its own dispose scope (created before the batch is read, disposed when the next is
    /// requested), checking for cancellation before every batch.
    /// </summary>
    private IEnumerable<TensorBatch> Scoped(IEnumerable<TensorBatch> batches)
    {
        using var enumerator = batches.GetEnumerator();
        while (true)
        {
            using var scope = NewDisposeScope();
            if (_context.IsCancellationRequested())
                throw new OperationCanceledException("Training was cancelled.");
            if (!enumerator.MoveNext())
                yield break;
            yield return enumerator.Current;
        }
    }

    /// <summary>Checks the first batch's output against the task: [rows × <paramref name="outputsPerRow"/>,
    /// <see cref="ITrainingTask.OutputWidth"/>].</summary>
    private void CheckOutputShape(Tensor output, TensorBatch batch, int outputsPerRow)
    {
        long rows = NetworkHealth.BatchRows(batch) * outputsPerRow;
        if (_task.OutputWidth is not int width || (output.dim() == 2 && output.shape[0] == rows && output.shape[1] == width))
            return;
        throw new InvalidOperationException(
            $"The network outputs shape [{string.Join(", ", output.shape)}] for a batch of {rows} rows, but the task needs " +
            $"[{rows}, {width}]: {width} value{(width == 1 ? "" : "s")} per row. A custom network's last layer must output " +
            $"{nameof(NetworkShape)}.{nameof(NetworkShape.OutputSize)} values.");
    }

    /// <summary>Runs a step of the network, turning a libtorch failure into an error that names the step and the batch.</summary>
    private static Tensor Native(Func<Tensor> run, TensorBatch batch, string what)
    {
        try
        {
            return run();
        }
        catch (Exception e) when (NativeErrors.IsNative(e))
        {
            string shapes = string.Join(", ", batch.Inputs.Select(i => $"[{string.Join(", ", i.shape)}]"));
            throw new InvalidOperationException($"The network's {what} failed on a batch with input shape {shapes}: {NativeErrors.Clean(e.Message)}", e);
        }
    }

    private Tensor BatchLoss(Tensor output, Tensor target, Tensor? classWeights)
    {
        using var perRow = _task.Loss(output, target);
        if (classWeights is null)
            return perRow.mean();
        using var weights = classWeights.index_select(0, target.to_type(ScalarType.Int64).flatten());
        using var weightedSum = (perRow * weights).sum();
        using var totalWeight = weights.sum();
        return weightedSum / totalWeight;
    }

    private static string Describe(EpochMetrics m)
    {
        string text = $"Epoch {m.Epoch}{(m.Stage is null ? "" : $" ({m.Stage})")}: training loss {m.TrainingLoss:G5}";
        if (m.ValidationLoss is { } validationLoss)
            text += $", validation loss {validationLoss:G5}";
        if (m.ValidationAccuracy is { } accuracy)
            text += $", validation accuracy {accuracy:P2}";
        text += $", lr {m.LearningRate:G3}, {m.Rows / Math.Max(m.Duration.TotalSeconds, 1e-9):N0} rows/s";
        double feedShare = m.FeedWait / m.Duration;
        return feedShare >= 0.1 ? text + $", {feedShare:P0} of it waiting for data" : text;
    }
}
