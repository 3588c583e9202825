using Microsoft.ML.SearchSpace;

namespace BigModel.MLNet.Engine;

/// <summary>
/// How a network is trained: optimiser, schedule, batches, validation and early stopping. Shared by
/// every model preset; the preset options classes add their columns and architecture.
/// </summary>
/// <remarks>Tunable members carry <c>Microsoft.ML.SearchSpace</c> attributes, so an AutoML search space can be
/// built from an options type.</remarks>
public class TrainingOptions
{
    /// <summary>Full passes over the training data (an upper bound when early stopping is on).</summary>
    [Range(1, 500, init: 20, logBase: true)]
    public virtual int Epochs { get; set; } = 20;

    /// <summary>Rows per mini-batch.</summary>
    [Range(8, 4096, init: 64, logBase: true)]
    public virtual int BatchSize { get; set; } = 64;

    /// <summary>The optimisation algorithm.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.AdamW;

    /// <summary>The (peak) learning rate.</summary>
    [Range(1e-5, 1e-1, init: 1e-3, logBase: true)]
    public virtual double LearningRate { get; set; } = 1e-3;

    /// <summary>Weight decay (decoupled for AdamW, L2 for Adam and SGD).</summary>
    [Range(0.0, 0.1, init: 1e-4)]
    public virtual double WeightDecay { get; set; } = 1e-4;

    /// <summary>Momentum for <see cref="OptimizerKind.Sgd"/>.</summary>
    [Range(0.0, 0.99, init: 0.9)]
    public double Momentum { get; set; } = 0.9;

    /// <summary>How the learning rate evolves over the steps.</summary>
    public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>Fraction of all steps spent warming up (for the cosine and one-cycle schedules).</summary>
    [Range(0.0, 0.5, init: 0.1)]
    public double WarmupFraction { get; set; } = 0.1;

    /// <summary>Clip the global gradient norm to this value; null or 0 turns clipping off.</summary>
    public double? GradientClipNorm { get; set; }

    /// <summary>Per-class loss weights for classification (index = class); null weighs every class alike.</summary>
    public float[]? ClassWeights { get; set; }

    /// <summary>
    /// Fraction of the training data held out for validation when no validation data is passed to <c>Fit</c> and no
    /// <see cref="ValidationColumnName"/> is set; 0 trains on everything and turns validation off. See
    /// <see cref="ValidationSplit"/> for which rows.
    /// </summary>
    [Range(0.0, 0.5, init: 0.0)]
    public virtual double ValidationFraction { get; set; }

    /// <summary>Which rows <see cref="ValidationFraction"/> holds out: random ones, or the last ones for time-ordered data.</summary>
    public ValidationSplit ValidationSplit { get; set; } = ValidationSplit.Random;

    /// <summary>
    /// A <c>Boolean</c> column marking validation rows: rows where it is true validate, the others train. The way to give
    /// a trainer inside a pipeline (<c>EstimatorChain</c>) validation data of your choosing, since the column passes
    /// through every transform before the trainer. Null (the default) uses <see cref="ValidationFraction"/>.
    /// </summary>
    public string? ValidationColumnName { get; set; }

    /// <summary>
    /// Stop after this many epochs without improvement of <see cref="EarlyStoppingMetric"/> and restore the best
    /// epoch's weights; null turns early stopping off. Needs validation data.
    /// </summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>The smallest change of the monitored metric that counts as an improvement.</summary>
    public double EarlyStoppingMinDelta { get; set; }

    /// <summary>
    /// What early stopping watches: the validation loss unless a model's options choose otherwise; accuracy needs a
    /// classification task.
    /// </summary>
    public EarlyStoppingMetric EarlyStoppingMetric { get; set; } = EarlyStoppingMetric.ValidationLoss;

    /// <summary>
    /// After early stopping has chosen the best epoch on rows held out of the training data
    /// (<see cref="ValidationFraction"/> or <see cref="ValidationColumnName"/>), train a fresh network on every training
    /// row for that many epochs and keep it, so that the held-out rows teach the model too (AutoGluon's "refit full").
    /// Costs a second fit. Validation data passed to <c>Fit</c> stays out of training, and without early stopping there
    /// is nothing to refit. Presets that train in stages (transfer learning, recommenders) refuse it. On small tabular
    /// sets it lowered the MLP's error by 1–4% (docs/benchmarks.md).
    /// </summary>
    public bool RefitOnEveryRow { get; set; }

    /// <summary>
    /// Training data with fewer rows than this is small data, where a held-out tenth is both too few rows to pick the
    /// best epoch reliably and too many to leave out of training. When <see cref="ValidationFraction"/> and early stopping
    /// are on, at least a fifth of such data then validates and <see cref="RefitOnEveryRow"/> is on, so the held-out
    /// rows train the kept model too (the text classifier gained 2.4 points of accuracy on 200 sentences and 1.2 on 400,
    /// docs/benchmarks.md). Validation data passed to <c>Fit</c> or marked by <see cref="ValidationColumnName"/> is used
    /// as given. 0 turns the rule off: the default, except for the text classifier.
    /// </summary>
    public int SmallDataRows { get; set; }

    /// <summary>
    /// Rows held in the shuffle pool while streaming the training data; each epoch sees a new order.
    /// Data smaller than the pool is shuffled completely; 0 turns shuffling off.
    /// </summary>
    public int ShuffleBufferSize { get; set; } = 100_000;

    /// <summary>
    /// For inputs whose rows differ in length (text): put rows of similar length in the same training batch, so
    /// batches, padded to their longest row, hold little padding. The order stays random and seeded.
    /// </summary>
    public bool BucketByLength { get; set; } = true;

    /// <summary>
    /// Read the training and validation data once and keep it as tensors on the training device, so each batch is an
    /// index selection there instead of a read, conversion and host-to-device copy of its rows (the rows' inputs and
    /// labels, as 32-bit values). On an H200 it trained the MLP and matrix factorisation at 0.79–1.11 times the speed of
    /// reading ahead (<see cref="PrefetchBatches"/>; docs/benchmarks.md). Batches hold the same rows in
    /// the same order as streamed training with a shuffle pool as large as the data. Inputs of varying length (text)
    /// always stream.
    /// </summary>
    public bool CacheDataOnDevice { get; set; }

    /// <summary>
    /// Batches read ahead on a background thread while the network trains, so that reading, converting and copying
    /// rows overlaps the steps (the batches and their order do not change); 0 reads each batch when the step needs it.
    /// </summary>
    public int PrefetchBatches { get; set; } = 2;

    /// <summary>
    /// On a CUDA GPU, let 32-bit matrix products and convolutions use TF32 (Ampere and later: several times faster,
    /// with 10-bit mantissas in the products and 32-bit sums; saved models stay 32-bit). A process-wide libtorch switch,
    /// set by each fit. No effect on the CPU.
    /// </summary>
    public bool AllowTf32 { get; set; } = true;

    /// <summary>
    /// The arithmetic of the training steps: float32, or bfloat16 mixed precision (for GPUs with bfloat16 units, Ampere
    /// and later; it also runs on a CPU, and on one with AVX-512 BF16 fine-tuned MiniLM 1.34× faster at the same
    /// accuracy). Validation, scoring and saved models stay float32.
    /// </summary>
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Float32;

    /// <summary>
    /// Classification: the share of each label moved evenly onto the other classes in the loss (0.1 is usual), so the
    /// network stops pushing its most confident outputs further; often steadier on small or noisy data.
    /// </summary>
    [Range(0.0, 0.3, init: 0.0)]
    public double LabelSmoothing { get; set; }

    /// <summary>
    /// Regression: train on the label standardised with the training data's mean and standard deviation, and undo it in
    /// the model's head, so that <c>Score</c> stays in the label's units (in <c>Transform</c>, saved models and ONNX
    /// exports) while the network learns numbers near 0 whatever the label's scale. Losses in the history are then on
    /// the standardised label (1 is what predicting the mean scores with squared error).
    /// </summary>
    [BooleanChoice(defaultValue: true)]
    public bool StandardizeLabel { get; set; } = true;

    /// <summary>Regression: the loss.</summary>
    public RegressionLoss RegressionLoss { get; set; } = RegressionLoss.SquaredError;

    /// <summary>Regression with <see cref="Engine.RegressionLoss.Huber"/>: where the loss turns from squared to linear, in
    /// standard deviations of the label when it is standardised.</summary>
    [Range(0.1, 10.0, init: 1.0, logBase: true)]
    public double HuberDelta { get; set; } = 1.0;

    /// <summary>
    /// Networks with batch normalisation: recompute its statistics over the training data with the final weights of
    /// each epoch, before validating (and once after training), instead of keeping the running average training left,
    /// which lags the weights when an epoch has few steps. Costs one forward pass over the training data per epoch.
    /// </summary>
    [BooleanChoice(defaultValue: true)]
    public bool RecomputeBatchNormStatistics { get; set; } = true;

    /// <summary>
    /// Keep an exponential moving average of the weights (Polyak averaging) whose half-life is this many epochs:
    /// validation, early stopping and the trained model use the average instead of the last step's weights, which carry
    /// that step's noise. Costs one copy of the weights and an update per step. Null trains without it. With batch
    /// normalisation, leave <see cref="RecomputeBatchNormStatistics"/> on so that the statistics fit the average.
    /// </summary>
    public virtual double? WeightAveragingHalfLife { get; set; }

    /// <summary>
    /// On small data, batches shrink (down to 8 rows, never above <see cref="BatchSize"/>) so that every epoch has at
    /// least this many optimisation steps: a few hundred rows in batches of 64 would otherwise train 4 steps an epoch.
    /// 0 keeps <see cref="BatchSize"/> as it is.
    /// </summary>
    public int MinimumStepsPerEpoch { get; set; } = 16;

    /// <summary>
    /// Write a checkpoint (weights, optimiser moments, schedule position, epoch, random streams, early stopping and
    /// history) into this folder every <see cref="CheckpointEveryEpochs"/> epochs and after the last one, so that
    /// a cancelled or crashed fit loses at most the epochs since; <see cref="ResumeFrom"/> continues from one. Null
    /// writes none. (Presets that train in stages — transfer learning, recommenders — do not checkpoint.)
    /// </summary>
    public string? CheckpointFolder { get; set; }

    /// <summary>Epochs between checkpoints (see <see cref="CheckpointFolder"/>).</summary>
    public int CheckpointEveryEpochs { get; set; } = 1;

    /// <summary>
    /// A checkpoint file, or a folder (its latest checkpoint), to continue training from: the run goes on at the next
    /// epoch up to <see cref="Epochs"/> and, with a context of the same seed and the same data, ends with the weights an
    /// uninterrupted run would have. The network must be the one that wrote it.
    /// </summary>
    public string? ResumeFrom { get; set; }

    /// <summary>
    /// A checkpoint file or folder whose network weights to start from (warm start): training then runs
    /// <see cref="Epochs"/> epochs afresh — a new optimiser, a new schedule — for example on new data.
    /// </summary>
    public string? WarmStartFrom { get; set; }

    /// <summary>
    /// The epochs the learning-rate schedule plans for (null: <see cref="Epochs"/>). A tuner that trains a trial for a
    /// few epochs at a time sets it to the most epochs any trial may get, so every trial follows the same schedule.
    /// </summary>
    public int? ScheduleEpochs { get; set; }

    /// <summary>Where training runs; see <see cref="DeviceKind"/>.</summary>
    public DeviceKind Device { get; set; } = DeviceKind.Auto;

    /// <summary>
    /// Receives progress during each epoch (rows done, rows/s, elapsed time, estimated time left for the epoch and the
    /// fit, running loss), at most four times a second and after each epoch's last batch, on the training thread.
    /// Long epochs also log a line to <c>MLContext.Log</c> every 30 seconds. Not part of the options' JSON form.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Called after every epoch with that epoch's metrics (progress bars, custom logging, plots). Not part of
    /// the options' JSON form (AutoML serialises options).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Action<EpochMetrics>? EpochEnded { get; set; }

    /// <summary>
    /// Checks that the values are usable, naming the first one that is not and its allowed range. Trainers call it
    /// when they are made and again when <c>Fit</c> starts, before any data is read.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range (the parameter name is the option's).</exception>
    public virtual void Validate()
    {
        OptionChecks.Range(Epochs, nameof(Epochs), 1, MaxEpochs);
        OptionChecks.Range(BatchSize, nameof(BatchSize), 1, MaxBatchSize);
        OptionChecks.Range(LearningRate, nameof(LearningRate), 0, 10, minExclusive: true);
        OptionChecks.Range(WeightDecay, nameof(WeightDecay), 0, 10);
        OptionChecks.Fraction(Momentum, nameof(Momentum));
        OptionChecks.Fraction(WarmupFraction, nameof(WarmupFraction));
        if (GradientClipNorm is { } clip)
            OptionChecks.Range(clip, nameof(GradientClipNorm), 0, 1e9);
        OptionChecks.Each(ClassWeights, nameof(ClassWeights), 0, 1e6);
        if (ClassWeights is { } weights && (weights.Length == 0 || weights.All(w => w == 0)))
            throw new ArgumentOutOfRangeException(nameof(ClassWeights), "ClassWeights needs one weight per class, not all zero.");
        OptionChecks.Fraction(ValidationFraction, nameof(ValidationFraction));
        if (EarlyStoppingPatience is { } patience)
            OptionChecks.Range(patience, nameof(EarlyStoppingPatience), 1, MaxEpochs);
        OptionChecks.Range(EarlyStoppingMinDelta, nameof(EarlyStoppingMinDelta), 0, 1e9);
        OptionChecks.Range(ShuffleBufferSize, nameof(ShuffleBufferSize), 0, int.MaxValue);
        OptionChecks.Range(PrefetchBatches, nameof(PrefetchBatches), 0, 64);
        if (WeightAveragingHalfLife is { } halfLife)
            OptionChecks.Range(halfLife, nameof(WeightAveragingHalfLife), 0, 1e6, minExclusive: true);
        OptionChecks.Range(MinimumStepsPerEpoch, nameof(MinimumStepsPerEpoch), 0, 10_000);
        OptionChecks.Range(SmallDataRows, nameof(SmallDataRows), 0, int.MaxValue);
        OptionChecks.Range(CheckpointEveryEpochs, nameof(CheckpointEveryEpochs), 1, MaxEpochs);
        if (ScheduleEpochs is { } scheduleEpochs)
            OptionChecks.Range(scheduleEpochs, nameof(ScheduleEpochs), 1, MaxEpochs);
        if (ResumeFrom is not null && WarmStartFrom is not null)
            throw new ArgumentException($"Give {nameof(ResumeFrom)} (continue a run) or {nameof(WarmStartFrom)} (start from its weights), not both.", nameof(WarmStartFrom));
        OptionChecks.Defined(Optimizer, nameof(Optimizer));
        OptionChecks.Defined(Schedule, nameof(Schedule));
        OptionChecks.Defined(EarlyStoppingMetric, nameof(EarlyStoppingMetric));
        OptionChecks.Defined(Device, nameof(Device));
        OptionChecks.Range(LabelSmoothing, nameof(LabelSmoothing), 0, 1, maxExclusive: true);
        OptionChecks.Defined(RegressionLoss, nameof(RegressionLoss));
        OptionChecks.Defined(ValidationSplit, nameof(ValidationSplit));
        OptionChecks.Defined(Precision, nameof(Precision));
        if (ValidationColumnName is not null)
            OptionChecks.Column(ValidationColumnName, nameof(ValidationColumnName));
        OptionChecks.Range(HuberDelta, nameof(HuberDelta), 0, 1e6, minExclusive: true);
    }

    /// <summary>The smallest fraction of the rows that validates under <see cref="SmallDataRows"/>' rule.</summary>
    internal const double SmallDataValidationFraction = 0.2;

    /// <summary>
    /// Whether early stopping watches <see cref="ValidationFraction"/> of the training rows (when no validation data is
    /// passed to <c>Fit</c>): the fits that <see cref="SmallDataRows"/>' rule may change, and that train every epoch
    /// when the fraction holds nothing out.
    /// </summary>
    internal bool StopsOnAHeldOutFraction => ValidationColumnName is null && ValidationFraction > 0 && EarlyStoppingPatience is not null;

    /// <summary>A copy for <see cref="SmallDataRows"/>' rule: at least a fifth validates, and the refit follows.</summary>
    internal TrainingOptions ForSmallData()
    {
        var copy = Copy();
        copy.ValidationFraction = Math.Max(ValidationFraction, SmallDataValidationFraction);
        copy.RefitOnEveryRow = true;
        return copy;
    }

    /// <summary>A copy that trains every epoch: for a fit whose validation fraction held out nothing.</summary>
    internal TrainingOptions WithoutEarlyStopping()
    {
        var copy = Copy();
        copy.EarlyStoppingPatience = null;
        return copy;
    }

    /// <summary>
    /// The stage of a fit in stages that a run trains: the loop stamps it on each epoch's
    /// <see cref="EpochMetrics.Stage"/> and the reporter on <see cref="TrainingProgress.Stage"/>; null for a fit in one run.
    /// </summary>
    internal string? Stage { get; set; }

    /// <summary>Whether <see cref="RefitOnEveryRow"/>'s refit follows this run (its first fit), so that its time
    /// estimates include the refit.</summary>
    internal bool RefitFollows => Stage == EarlyStoppingStage;

    /// <summary>The stage names of <see cref="RefitOnEveryRow"/>'s two fits.</summary>
    internal const string EarlyStoppingStage = "early stopping", RefitStage = "refit";

    /// <summary>A copy for the fit that <see cref="RefitOnEveryRow"/>'s refit follows.</summary>
    internal TrainingOptions BeforeRefit()
    {
        var copy = Copy();
        copy.Stage = EarlyStoppingStage;
        return copy;
    }

    /// <summary>
    /// A copy for <see cref="RefitOnEveryRow"/>'s second fit: <paramref name="epochs"/> epochs on every row, without
    /// validation, and without checkpoints, which would overwrite the first fit's (a warm start applies to both fits).
    /// </summary>
    internal TrainingOptions ForRefit(int epochs)
    {
        var copy = Copy();
        copy.CheckpointFolder = copy.ResumeFrom = null;
        copy.ValidationFraction = 0;
        copy.ValidationColumnName = null;
        copy.EarlyStoppingPatience = null;
        copy.Epochs = epochs;
        copy.Stage = RefitStage;
        // The learning rate follows the first fit's schedule, so the chosen epoch ends at the rate it had there.
        copy.ScheduleEpochs ??= Epochs;
        return copy;
    }

    /// <summary>A copy to change for one stage of a run in stages (same type, same values, without checkpointing:
    /// stages would overwrite each other's checkpoints).</summary>
    internal TrainingOptions CopyForStage()
    {
        var copy = Copy();
        copy.CheckpointFolder = copy.ResumeFrom = copy.WarmStartFrom = null;
        return copy;
    }

    private TrainingOptions Copy() => (TrainingOptions)MemberwiseClone();

    /// <summary>The most epochs a run may ask for.</summary>
    public const int MaxEpochs = 100_000;

    /// <summary>The largest batch size (buffers never exceed the data, whatever is asked).</summary>
    public const int MaxBatchSize = 1 << 24;
}
