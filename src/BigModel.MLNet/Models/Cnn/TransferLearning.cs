using BigModel.MLNet.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Cnn;

/// <summary>
/// Transfer learning in two stages that never end worse than a linear probe:
/// <list type="number">
/// <item><b>Probe.</b> The pretrained backbone's features of every training (and validation) image are computed once and
/// cached; the new head trains on them for <see cref="CnnOptions.ProbeEpochs"/> epochs (early stopping on validation
/// data) — one forward pass per image in all, what ML.NET's <c>DnnFeaturizeImage</c> plus a linear model amounts to.</item>
/// <item><b>Fine-tuning.</b> The whole network, from the probe's head, trains on the (augmented) images for
/// <see cref="TrainingOptions.Epochs"/> epochs with a warm-up and layer-wise learning rates: the last stage at
/// <see cref="CnnOptions.BackboneLearningRateScale"/> × the rate, each earlier stage at half the next one's.</item>
/// </list>
/// With validation data, the fine-tuned weights are kept only when their best epoch validates better than the probe;
/// otherwise the network goes back to the pretrained backbone with the probe's head.
/// </summary>
internal static class TransferLearning
{
    public static TrainingHistory Train(ResNet18 network, TrainingSession session, CnnOptions options)
    {
        var context = session.Context;
        network.to(context.Device);
        var (probe, probeScore) = Probe(network, session, options);
        if (options.BackboneLearningRateScale == 0)
            return probe;

        using var probeWeights = WeightSnapshot.Of(network);
        var fineTuning = session.Options.CopyForStage();
        fineTuning.Stage = FineTuneStage;
        fineTuning.Schedule = LearningRateSchedule.CosineWithWarmup;
        fineTuning.WarmupFraction = Math.Max(fineTuning.WarmupFraction, 0.1);
        // With validation data, keep the best epoch (patience beyond the run: restore without stopping).
        if (session.Validation is not null && fineTuning.EarlyStoppingPatience is null)
            fineTuning.EarlyStoppingPatience = fineTuning.Epochs;
        var trainable = new TrainableNetwork(network, inputs => network.call(inputs[0]), Groups: () => network.FineTuneGroups(options.BackboneLearningRateScale));
        var fine = new TrainingLoop(fineTuning, session.Task, context).Run(trainable, session.Training, session.Validation);

        double? fineScore = Score(fine, fineTuning.EarlyStoppingMetric);
        bool keepProbe = probeScore is double probeBest && fineScore is double fineBest && fineBest >= probeBest;
        if (keepProbe)
        {
            probeWeights.RestoreInto(network);
            context.Log($"Kept the probe: fine-tuning validated worse ({Describe(fineScore!.Value)} against {Describe(probeScore!.Value)}).");
        }
        network.eval();
        return probe.Then(fine, keepNext: !keepProbe);
    }

    /// <summary>Trains the head on cached backbone features; returns its history and its best validation score (lower is better).</summary>
    private static (TrainingHistory History, double? Score) Probe(ResNet18 network, TrainingSession session, CnnOptions options)
    {
        var context = session.Context;
        using var training = CachedFeatures(network, session.Training, context, options.BatchSize);
        using var validation = session.Validation is null ? null : CachedFeatures(network, session.Validation, context, options.BatchSize);
        var probing = session.Options.CopyForStage();
        probing.Stage = ProbeStage;
        probing.Epochs = options.ProbeEpochs;
        probing.LearningRate = ProbeLearningRate;
        probing.Schedule = LearningRateSchedule.Constant;
        probing.EarlyStoppingPatience = validation is null ? null : Math.Max(5, options.ProbeEpochs / 5);
        probing.ValidationFraction = 0;
        context.Log($"Probe: the head trains on cached backbone features of {training.Rows} images for up to {options.ProbeEpochs} epochs.");
        var history = new TrainingLoop(probing, session.Task, context).Run(TrainableNetwork.From(network.Head), training, validation);
        return (history, validation is null ? null : Score(history, probing.EarlyStoppingMetric));
    }

    private const string ProbeStage = "probe", FineTuneStage = "fine-tune";

    /// <summary>A head on fixed features learns fast: a rate a whole network could not take.</summary>
    private const double ProbeLearningRate = 1e-2;

    /// <summary>The backbone's pooled features of every row of <paramref name="source"/> (unshuffled, unaugmented), held in memory.</summary>
    private static InMemoryBatchSource CachedFeatures(ResNet18 network, IBatchSource source, TrainingContext context, int batchSize)
    {
        network.eval();
        var features = new List<Tensor>();
        var targets = new List<Tensor>();
        using (no_grad())
        {
            foreach (var batch in source.ReadEpoch(context.Device, shuffle: null))
            {
                using var scope = NewDisposeScope();
                if (context.IsCancellationRequested())
                    throw new OperationCanceledException("Training was cancelled.");
                features.Add(network.Features(batch.Inputs[0]).MoveToOuterDisposeScope());
                targets.Add(batch.Target.alias().MoveToOuterDisposeScope());
            }
        }
        using var allFeatures = cat(features, 0);
        using var allTargets = cat(targets, 0);
        foreach (var tensor in features.Concat(targets))
            tensor.Dispose();
        return new InMemoryBatchSource(allFeatures, allTargets, batchSize);
    }

    /// <summary>The best epoch's early-stopping metric, as a number to minimise; null without validation.</summary>
    private static double? Score(TrainingHistory history, EarlyStoppingMetric metric)
    {
        var best = history.BestEpoch is int b ? history.Epochs[b - 1] : history.Epochs.LastOrDefault();
        return metric == EarlyStoppingMetric.ValidationLoss ? best?.ValidationLoss : -best?.ValidationAccuracy;
    }

    private static string Describe(double score) => score < 0 ? $"accuracy {-score:P1}" : $"loss {score:G4}";
}
