using BigModel.MLNet.Engine;
using Microsoft.ML;

namespace BigModel.MLNet.Tuning;

/// <summary>
/// What to tune and how: the search space, how a trial's options become a pipeline, the data, the metric, the sampler,
/// the scheduler and the budget. Give it to <c>mlContext.Deep().Tune</c>.
/// </summary>
/// <typeparam name="TOptions">The trainer's options class; each trial gets a fresh one with its parameters set.</typeparam>
public sealed class TuningOptions<TOptions> where TOptions : TrainingOptions, new()
{
    /// <summary>The parameters to search (default: those the options class's attributes describe).</summary>
    public SearchSpace SearchSpace { get; set; } = SearchSpace.For<TOptions>();

    /// <summary>
    /// Builds a trial's pipeline from its options (the trial's values set, and the epochs, schedule and checkpoints the
    /// tuner needs) and the trial's parameters (for choices the options class does not have). The trainer in it must
    /// be made from these options.
    /// </summary>
    public required Func<TOptions, TrialParameters, IEstimator<ITransformer>> Pipeline { get; set; }

    /// <summary>The training data.</summary>
    public required IDataView TrainData { get; set; }

    /// <summary>The data the metric is measured on after each stage of a trial.</summary>
    public required IDataView ValidationData { get; set; }

    /// <summary>The metric to optimise.</summary>
    public TuningMetric Metric { get; set; } = TuningMetric.RootMeanSquaredError;

    /// <summary>The label column the metric reads.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>How trials are drawn: at random, or a grid over the space (see <see cref="GridPoints"/>).</summary>
    public TrialSampler Sampler { get; set; } = TrialSampler.Random;

    /// <summary>With <see cref="TrialSampler.Grid"/>: values per range parameter.</summary>
    public int GridPoints { get; set; } = 3;

    /// <summary>
    /// Asynchronous successive halving (ASHA): trials start with <see cref="MinEpochs"/> epochs, and only the best
    /// 1/<see cref="ReductionFactor"/> of each stage continue, resuming from their checkpoint, up to
    /// <see cref="MaxEpochs"/>. False trains every trial to <see cref="MaxEpochs"/>.
    /// </summary>
    public bool SuccessiveHalving { get; set; } = true;

    /// <summary>Epochs of the first stage.</summary>
    public int MinEpochs { get; set; } = 1;

    /// <summary>The most epochs a trial trains (the learning-rate schedule plans for these in every trial).</summary>
    public int MaxEpochs { get; set; } = 27;

    /// <summary>The stage-to-stage factor: each stage trains ×this many epochs and keeps 1/this of the trials.</summary>
    public int ReductionFactor { get; set; } = 3;

    /// <summary>The most trials to start.</summary>
    public int MaxTrials { get; set; } = 20;

    /// <summary>The most epochs to spend on all trials together; null for no limit.</summary>
    public int? MaxTotalEpochs { get; set; }

    /// <summary>The most wall-clock time; null for no limit.</summary>
    public TimeSpan? MaxTime { get; set; }

    /// <summary>Where trials keep their checkpoints (a new temporary folder, deleted afterwards, when null).</summary>
    public string? WorkFolder { get; set; }

    /// <summary>Checks the values, naming the first that is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(SearchSpace, nameof(SearchSpace));
        ArgumentNullException.ThrowIfNull(Pipeline, nameof(Pipeline));
        ArgumentNullException.ThrowIfNull(TrainData, nameof(TrainData));
        ArgumentNullException.ThrowIfNull(ValidationData, nameof(ValidationData));
        OptionChecks.Defined(Metric, nameof(Metric));
        OptionChecks.Defined(Sampler, nameof(Sampler));
        OptionChecks.Column(LabelColumnName, nameof(LabelColumnName));
        OptionChecks.Range(GridPoints, nameof(GridPoints), 1, 100);
        OptionChecks.Range(MaxEpochs, nameof(MaxEpochs), 1, TrainingOptions.MaxEpochs);
        OptionChecks.Range(MinEpochs, nameof(MinEpochs), 1, MaxEpochs);
        OptionChecks.Range(ReductionFactor, nameof(ReductionFactor), 2, 100);
        OptionChecks.Range(MaxTrials, nameof(MaxTrials), 1, 100_000);
        if (MaxTotalEpochs is { } total)
            OptionChecks.Range(total, nameof(MaxTotalEpochs), 1, int.MaxValue);
    }
}

/// <summary>How a tuner draws trials.</summary>
public enum TrialSampler
{
    /// <summary>Independent random draws (seeded by the context).</summary>
    Random,
    /// <summary>A grid over the space, in a random order (seeded), up to the trial budget.</summary>
    Grid,
}
