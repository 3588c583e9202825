using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Glue;
using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Glue.Inputs;
using BigModel.MLNet.Models;
using BigModel.MLNet.Native;
using BigModel.MLNet.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet;

/// <summary>
/// An ML.NET estimator that trains a TorchSharp network with the shared <see cref="TrainingLoop"/> and returns a
/// <see cref="DeepPredictionTransformer"/>. Create it from <c>mlContext.Deep()</c>.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// | Column | Type | Role |
/// | -- | -- | -- |
/// | `Label` | `Single` (regression, ratings), `Boolean` (binary), key (multiclass); none for implicit feedback | input |
/// | `Features` | known-size vector of `Single` (MLP, CNN pixels); user and item keys (recommenders); `String` (text classifiers, one or two columns) | input |
/// | `Score` | `Single`; vector of `Single` (multiclass probabilities) | output |
/// | `Probability` | `Single` (binary only) | output |
/// | `PredictedLabel` | `Boolean` (binary); key of the label's classes (multiclass) | output |
///
/// Trainer characteristics: needs normalisation (yes for vector features: e.g. `NormalizeMeanVariance`);
/// needs caching (no: batches stream from the data view); GPU: optional through CUDA libtorch.
/// ]]></format>
/// </remarks>
public sealed class DeepTrainer : IEstimator<DeepPredictionTransformer>
{
    private readonly MLContext _context;
    private readonly ModelSpec _spec;
    private readonly TrainingOptions _options;
    private readonly LossFunction? _loss;

    internal DeepTrainer(MLContext context, ModelSpec spec, TrainingOptions options, LossFunction? loss = null)
    {
        options.Validate();
        _context = context;
        _spec = spec;
        _options = options;
        _loss = loss;
    }

    /// <summary>Trains on <paramref name="input"/> (holding out <see cref="TrainingOptions.ValidationFraction"/> when set).</summary>
    public DeepPredictionTransformer Fit(IDataView input) => Fit(input, validationData: null);

    /// <summary>Trains on <paramref name="trainData"/>, validating after every epoch on <paramref name="validationData"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type (the message names it).</exception>
    /// <exception cref="ArgumentException">The training data is empty.</exception>
    /// <exception cref="InvalidDataException">A value is NaN or infinite, or a label is missing (the message names column and row).</exception>
    /// <exception cref="OperationCanceledException">The context was cancelled (<see cref="DeepCatalog.CancelExecution"/>).</exception>
    public DeepPredictionTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        _options.Validate(); // again: options are mutable, and may have changed since the trainer was made
        TorchRuntime.EnsureLoaded();
        using var services = new ContextServices(_context, _spec.Name);
        var (task, inputs) = Resolve(trainData.Schema);
        int seed = services.NextSeed();
        var device = DeviceSelector.Select(_options.Device, services.GpuDeviceId, services.FallbackToCpu, out string reason);
        var context = new TrainingContext(device, seed, services.Info, () => services.IsCanceled);
        // The loop checks the options against the task (class weights per class, …) before any data is read.
        var loop = new TrainingLoop(_options, _loss is null ? task : new CustomLossTask(task, _loss), context);

        var options = _options;
        // Rows are counted (up to the limit) only when the rule may apply.
        if (validationData is null && options.SmallDataRows > 0 && options.StopsOnAHeldOutFraction && DataViewRows.Count(trainData, atMost: options.SmallDataRows) is var rows
            && rows >= 2 && rows < options.SmallDataRows)
        {
            options = options.ForSmallData();
            services.Info($"{_spec.Name}: {rows} training rows, fewer than {nameof(TrainingOptions.SmallDataRows)} ({_options.SmallDataRows}): " +
                $"{options.ValidationFraction:P0} validates, then a fresh network trains on every row for the epochs kept.");
        }
        var given = trainData;
        (trainData, validationData) = ValidationData.Split(_context, trainData, validationData, options, seed);
        bool split = !ReferenceEquals(trainData, given);
        if (validationData is null && options.StopsOnAHeldOutFraction)
        {
            // Fewer than two rows: the fraction held nothing out, so there is nothing to stop on.
            services.Info($"{_spec.Name}: too few rows to hold any out for validation; every epoch trains and the last is kept.");
            options = options.WithoutEarlyStopping();
        }
        bool refit = options.RefitOnEveryRow && split && options.EarlyStoppingPatience is not null;
        var (network, history) = TrainOn(trainData, validationData, refit ? options.BeforeRefit() : options);
        if (refit && history.BestEpoch is int best)
        {
            services.Info($"{_spec.Name}: early stopping kept epoch {best}; a fresh network trains {best} epochs on every row ({nameof(TrainingOptions.RefitOnEveryRow)}).");
            network.Dispose();
            (network, var refitted) = TrainOn(given, null, options.ForRefit(best));
            history = history.Then(refitted, keepNext: true);
        }
        using (network)
        {
            network.Network.Module.to(CPU);
            byte[] onnx = NetworkExport.ToOnnx(network, inputs, task);
            return new DeepPredictionTransformer(task, inputs, onnx, history, trainData.Schema);
        }

        // One network built from and trained on rows, validated on validation; the caller owns the network.
        (BuiltNetwork, TrainingHistory) TrainOn(IDataView rows, IDataView? validation, TrainingOptions runOptions)
        {
            task.Adapt(rows, _spec.LabelColumn);
            var augment = _spec.TrainingAugmentation?.Invoke(rows.Schema);
            long trainingRows = DataViewRows.Count(rows);
            int batchSize = BatchPlan.SmallDataBatchSize(trainingRows, _options.BatchSize, _options.MinimumStepsPerEpoch);
            using var trainingSource = Source(rows, task, "training", seed, augment, batchSize);
            using var validationSource = validation is null ? null : Source(validation, task, "validation", seed, augment: null, _options.BatchSize);
            var training = Feed(trainingSource);
            var validating = validationSource is null ? null : Feed(validationSource);

            string sizes = string.Join(", ", inputs.Select(i => i.Input.Describe(i.Size)));
            services.Info($"{_spec.Name}: training on {device} ({reason}), {trainingSource.Rows} rows ({sizes}), seed {seed}" +
                (batchSize < _options.BatchSize ? $", batches of {batchSize} rows (small data: {_options.MinimumStepsPerEpoch} steps an epoch)" : "") +
                (augment is null ? "." : ", training batches augmented."));

            // Initial weights come from the run's own random stream (TorchRandom): concurrent fits stay reproducible.
            var built = TorchRandom.Draw(seed, stream: 0, () => _spec.Build(new NetworkRequest(inputs.Select(i => i.Size).ToList(), task, rows, trainingRows, services.Info)));
            try
            {
                if (runOptions.RefitOnEveryRow && built.Train is not null)
                    throw new ArgumentOutOfRangeException(nameof(TrainingOptions.RefitOnEveryRow),
                        $"{_spec.Name} trains in stages, which {nameof(TrainingOptions.RefitOnEveryRow)} cannot repeat; set it to false" +
                        (_options.RefitOnEveryRow ? "." : $" and {nameof(TrainingOptions.SmallDataRows)}, which turns it on for small data, to 0."));
                services.Info($"{_spec.Name}: {built.Network.Module.parameters().Sum(p => p.numel()):N0} parameters.");
                if (_spec.VerifyExportBeforeTraining)
                    NetworkExport.ToOnnx(built, inputs, task); // a layer without ONNX export fails now, not after every epoch
                return (built, built.TrainIn(new TrainingSession(runOptions, loop.Task, context, training, validating)));
            }
            catch (Exception e)
            {
                built.Dispose();
                if (!ReferenceEquals(rows, given) && BadValues.Is(e))
                    throw BadValueAsGiven(given, task, seed) ?? e;
                throw;
            }
        }
    }

    /// <summary>The input schema plus <c>Score</c> (and <c>Probability</c>/<c>PredictedLabel</c> for classifiers).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A label or input column is missing or has the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var (task, _) = Resolve(SchemaShapes.ToSchema(inputSchema));
        return SchemaShapes.Append(inputSchema, task.OutputSchema());
    }

    private (PredictionTask Task, IReadOnlyList<ResolvedInput> Inputs) Resolve(DataViewSchema schema)
    {
        if (_spec.LabelColumn is { } label)
            RequireColumn(schema, label, "label");
        var task = _spec.CreateTask(schema);
        var inputs = _spec.Inputs.Select(input => new ResolvedInput(input, input.SizeOf(RequireColumn(schema, input.ColumnName, "input")))).ToList();
        return (task, inputs);
    }

    private DataViewBatchSource Source(IDataView data, PredictionTask task, string role, int seed, Func<TensorBatch, Random, TensorBatch>? augment,
        int batchSize) =>
        new(data, _spec.Inputs, _spec.LabelColumn, task, batchSize, _options.ShuffleBufferSize, role, seed, augment, _options.BucketByLength,
            _options.CacheDataOnDevice);

    /// <summary>
    /// The first bad value of <paramref name="data"/> read in its own order (an unshuffled epoch): a split's rows are
    /// numbered on each side of it, so the error is made again on the data as the caller gave it, to name the row as
    /// they count rows.
    /// </summary>
    private Exception? BadValueAsGiven(IDataView data, PredictionTask task, int seed)
    {
        try
        {
            using var source = Source(data, task, "training", seed, augment: null, _options.BatchSize);
            using var scope = NewDisposeScope();
            foreach (var _ in source.ReadEpoch(CPU, shuffle: null))
                scope.DisposeEverything();
        }
        catch (Exception e) when (BadValues.Is(e))
        {
            return e;
        }
        return null;
    }

    /// <summary>
    /// The batches as the loop reads them: read ahead on a background thread when the options ask for it and there is
    /// reading to do. Data kept on the device is only indexed, and on a CPU a second thread running libtorch kernels
    /// would compete with the training thread's own (measured: half the MLP's speed on 2 cores).
    /// </summary>
    private IBatchSource Feed(DataViewBatchSource source) =>
        _options.PrefetchBatches > 0 && !source.KeepsDataOnDevice ? new PrefetchingBatchSource(source, _options.PrefetchBatches) : source;

    internal static DataViewSchema.Column RequireColumn(DataViewSchema schema, string name, string role) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(name,
            $"The data has no {role} column '{name}'. Columns present: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.");
}
