using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Glue;
using BigModel.MLNet.Glue.Columns;
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
/// | `Label` | `Single` (regression), `Boolean` (binary), key (multiclass) | input |
/// | `Features` | known-size vector of `Single` | input |
/// | `Score` | `Single`; vector of `Single` (multiclass probabilities) | output |
/// | `Probability` | `Single` (binary only) | output |
/// | `PredictedLabel` | `Boolean` (binary); key of the label's classes (multiclass) | output |
///
/// Trainer characteristics: needs normalisation (yes: scale features, e.g. `NormalizeMeanVariance`);
/// needs caching (no: batches stream from the data view); GPU: optional through CUDA libtorch.
/// ]]></format>
/// </remarks>
public sealed class DeepTrainer : IEstimator<DeepPredictionTransformer>
{
    private readonly MLContext _context;
    private readonly PredictionKind _kind;
    private readonly TrainerColumns _columns;
    private readonly TrainingOptions _options;
    private readonly Func<NetworkShape, nn.Module<Tensor, Tensor>> _network;
    private readonly LossFunction? _loss;
    private readonly string _name;

    internal DeepTrainer(MLContext context, PredictionKind kind, TrainerColumns columns, TrainingOptions options,
        Func<NetworkShape, nn.Module<Tensor, Tensor>> network, LossFunction? loss, string name)
    {
        _context = context;
        _kind = kind;
        _columns = columns;
        _options = options;
        _network = network;
        _loss = loss;
        _name = name;
        options.Validate();
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
        TorchRuntime.EnsureLoaded();
        using var services = new ContextServices(_context, _name);
        var task = PredictionTask.Create(_kind, RequireColumn(trainData.Schema, _columns.Label, "label"));
        int width = FloatVectorColumnReader.WidthOf(RequireColumn(trainData.Schema, _columns.Features, "feature"));
        int seed = services.NextSeed();

        if (validationData is null && _options.ValidationFraction > 0)
        {
            var split = _context.Data.TrainTestSplit(trainData, _options.ValidationFraction, seed: seed);
            (trainData, validationData) = (split.TrainSet, split.TestSet);
        }
        var training = Source(trainData, task, "training");
        var validation = validationData is null ? null : Source(validationData, task, "validation");

        var device = DeviceSelector.Select(_options.Device, services.GpuDeviceId, services.FallbackToCpu, out string reason);
        services.Info($"{_name}: training on {device} ({reason}), {training.Rows} rows, {width} features, seed {seed}.");
        var context = new TrainingContext(device, seed, services.Info, () => services.IsCanceled);

        manual_seed(seed);
        using var module = _network(new NetworkShape(width, task.OutputSize));
        var trainingTask = _loss is null ? (ITrainingTask)task : new CustomLossTask(task, _loss);
        var history = new TrainingLoop(_options, trainingTask, context).Run(TrainableNetwork.From(module), training, validation);

        module.to(CPU);
        byte[] onnx = NetworkExport.ToOnnx(module, _columns.Features, width, task);
        return new DeepPredictionTransformer(task, _columns.Features, width, onnx, history, trainData.Schema);
    }

    /// <summary>The input schema plus <c>Score</c> (and <c>Probability</c>/<c>PredictedLabel</c> for classifiers).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The label or feature column is missing or has the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var schema = SchemaShapes.ToSchema(inputSchema);
        var task = PredictionTask.Create(_kind, RequireColumn(schema, _columns.Label, "label"));
        FloatVectorColumnReader.WidthOf(RequireColumn(schema, _columns.Features, "feature"));
        return SchemaShapes.Append(inputSchema, task.OutputSchema());
    }

    private DataViewBatchSource Source(IDataView data, PredictionTask task, string role) =>
        new(data, _columns.Features, _columns.Label, task, _options.BatchSize, _options.ShuffleBufferSize, role);

    private static DataViewSchema.Column RequireColumn(DataViewSchema schema, string name, string role) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(name,
            $"The data has no {role} column '{name}'. Columns present: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.");
}
