using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Glue;
using BigModel.MLNet.Glue.Inputs;
using BigModel.MLNet.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet;

/// <summary>
/// A trained network inside an ML.NET pipeline. <see cref="Transform"/> scores batches of rows with ONNX Runtime;
/// <c>mlContext.Model.Save</c> stores the network as an ONNX model inside ML.NET's own <c>OnnxTransformer</c>, so
/// a saved model loads and scores with ML.NET alone (no libtorch).
/// </summary>
public sealed class DeepPredictionTransformer : ITransformer, IDisposable
{
    private readonly byte[] _onnx;
    private ScoringPlan _plan;
    // ML.NET's own transformers (an OnnxTransformer and the output mapping) exist only where they are needed: saving builds
    // them for the call, prediction engines share a set built on first use and released by Dispose. Each set reads the
    // network from a file of its own (ML.NET's OnnxTransformer given the bytes would write a copy to the temp folder that
    // outlives it): saving needs it until the set is written and deletes it then; the engines' set deletes it as soon as
    // ONNX Runtime has read it, so nothing is left behind even by a model that is never disposed.
    private readonly Lazy<PersistedModel> _persisted;
    private readonly DataViewSchema _trainingSchema;

    internal DeepPredictionTransformer(PredictionTask task, IReadOnlyList<ResolvedInput> inputs, byte[] onnx,
        TrainingHistory history, DataViewSchema trainingSchema)
    {
        _onnx = onnx;
        _trainingSchema = trainingSchema;
        History = history;
        Kind = task.Kind;
        InputColumnNames = inputs.Select(i => i.ColumnName).ToArray();
        _plan = new ScoringPlan(task, inputs, new OnnxBatchScorer(onnx, task.ScorerOutputs), DefaultScoringBatchSize);
        _persisted = new Lazy<PersistedModel>(() => BuildPersisted().WithoutFile());
    }

    private const int DefaultScoringBatchSize = 256;

    /// <summary>Epoch-by-epoch metrics of the training run that produced this model.</summary>
    public TrainingHistory History { get; }

    /// <summary>The learning problem this model solves.</summary>
    public PredictionKind Kind { get; }

    /// <summary>The columns the model reads (the feature column; user and item keys for recommenders).</summary>
    public IReadOnlyList<string> InputColumnNames { get; }

    /// <summary>Rows scored per ONNX Runtime call in <see cref="Transform"/>.</summary>
    public int ScoringBatchSize
    {
        get => _plan.BatchSize;
        set
        {
            OptionChecks.Range(value, nameof(ScoringBatchSize), 1, MaxScoringBatchSize);
            _plan = _plan with { BatchSize = value };
        }
    }

    /// <summary>
    /// The CUDA device <see cref="Transform"/> scores on, through ONNX Runtime's CUDA build (the application references
    /// <c>Microsoft.ML.OnnxRuntime.Gpu</c>); null, the default, scores on the CPU. It is the same ONNX model either way,
    /// so scores agree within float rounding. Setting it opens a new ONNX Runtime session (or fails, naming the package
    /// the application lacks, and keeps the current one); set it before reading scores, not while a scored view is being
    /// read. A saved model scores on the device its loading <c>MLContext</c> asks for (<c>GpuDeviceId</c>), as any
    /// ML.NET ONNX model does.
    /// </summary>
    public int? ScoringGpuDeviceId
    {
        get => _plan.Scorer.GpuDeviceId;
        set
        {
            if (value == _plan.Scorer.GpuDeviceId)
                return;
            if (value is int device)
                OptionChecks.Range(device, nameof(ScoringGpuDeviceId), 0, 1023);
            var previous = Live()._plan.Scorer;
            _plan = _plan with { Scorer = new OnnxBatchScorer(_onnx, _plan.Task.ScorerOutputs, value) };
            previous.Dispose();
        }
    }

    /// <summary>The largest <see cref="ScoringBatchSize"/>.</summary>
    public const int MaxScoringBatchSize = 1 << 20;

    /// <summary>Whether the network's weights are stored as int8 (see <see cref="Quantize"/>).</summary>
    public bool IsQuantized { get; private init; }

    /// <summary>
    /// An int8 copy of this model for deployment: matrix products with constant weights run as int8 products of
    /// dynamically quantised inputs, and embedding tables are stored as int8 rows (see <see cref="Int8QuantizationOptions"/>);
    /// the rest stays float. <c>Transform</c>, <c>mlContext.Model.Save</c> and <see cref="ExportToOnnx(string)"/> of the copy
    /// all use the int8 graph, which ONNX Runtime runs without libtorch like any other model. Check its metrics on your
    /// validation data before deploying it (docs/benchmarks.md has what it gave the examples).
    /// </summary>
    /// <param name="options">What to quantise; null: linear layers of at least 16,384 weights, and embeddings.</param>
    public DeepPredictionTransformer Quantize(Int8QuantizationOptions? options = null)
    {
        var plan = Live()._plan;
        byte[] quantized = Int8Quantization.Quantize(_onnx, options ?? new Int8QuantizationOptions());
        return new DeepPredictionTransformer(plan.Task, plan.Inputs, quantized, History, _trainingSchema)
        {
            IsQuantized = true, ScoringBatchSize = ScoringBatchSize, ScoringGpuDeviceId = ScoringGpuDeviceId,
        };
    }

    /// <summary>Always true: <see cref="PredictionEngine{TSrc, TDst}"/> can score single rows.</summary>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => BatchScoringDataView.OutputSchemaFor(inputSchema, Live()._plan);

    /// <summary>Adds the model's output columns; rows are scored lazily, <see cref="ScoringBatchSize"/> at a time.</summary>
    public IDataView Transform(IDataView input) => new BatchScoringDataView(input, Live()._plan);

    /// <summary>Single-row scoring (used by prediction engines): ML.NET's own ONNX row mapper over the same model.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => Live()._persisted.Value.Pipeline.GetRowToRowMapper(inputSchema);

    /// <summary>Writes the model as ML.NET's own transformers (an <c>OnnxTransformer</c> and the output mapping).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        using var persisted = Live().BuildPersisted();
        persisted.Pipeline.Save(ctx);
    }

    /// <summary>
    /// Writes the network (with its output head) as an ONNX model: one input per input column, named after it
    /// ([rows, width] floats for a feature vector, [rows, 1] UInt32 for a key, [rows, 512] Int64 WordPiece ids padded with
    /// −1 for a text, named <c>&lt;column&gt;.WordPieceIds</c>), outputs = <c>Score</c> and, for classifiers, <c>Probability</c>/<c>PredictedLabel</c>. Serve it with ONNX Runtime.
    /// </summary>
    public void ExportToOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(_onnx);
    }

    /// <summary>Writes the ONNX model to <paramref name="path"/>; see <see cref="ExportToOnnx(Stream)"/>.</summary>
    public void ExportToOnnx(string path) => File.WriteAllBytes(path, _onnx);

    /// <summary>Releases the ONNX Runtime session; the model cannot score afterwards.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _plan.Scorer.Dispose();
        if (_persisted.IsValueCreated)
            _persisted.Value.Dispose();
    }

    private bool _disposed;

    private PersistedModel BuildPersisted() => PersistedModel.Build(_plan.Task, _plan.Inputs, _onnx, _trainingSchema);

    private DeepPredictionTransformer Live() => _disposed ? throw new ObjectDisposedException(nameof(DeepPredictionTransformer),
        "This model was disposed and cannot score or be saved; keep it undisposed while you use it.") : this;

    /// <summary>ML.NET's transformers for the model and the ONNX file they read, deleted with them.</summary>
    private sealed class PersistedModel(ITransformer pipeline, string file) : IDisposable
    {
        public ITransformer Pipeline { get; } = pipeline;

        public void Dispose()
        {
            (Pipeline as IDisposable)?.Dispose();
            File.Delete(file);
        }

        /// <summary>
        /// Deletes the file now, for a set that scores but is never saved: ONNX Runtime read the network when the set
        /// was built, and only saving reads the file again.
        /// </summary>
        public PersistedModel WithoutFile()
        {
            File.Delete(file);
            return this;
        }

        /// <remarks>
        /// Built in a context of its own: ML.NET's <c>ApplyOnnxModel</c> would otherwise take the training context's
        /// <c>GpuDeviceId</c> and ask ONNX Runtime for CUDA even where only its CPU build is installed. A model loaded
        /// later scores on whatever device the loading context asks for.
        /// </remarks>
        public static PersistedModel Build(PredictionTask task, IReadOnlyList<ResolvedInput> inputs, byte[] onnx, DataViewSchema schema)
        {
            string file = Path.Combine(Path.GetTempPath(), $"bigmodel-{Guid.NewGuid():N}.onnx");
            File.WriteAllBytes(file, onnx);
            try
            {
                var context = new MLContext();
                IEstimator<ITransformer> pipeline = new EstimatorChain<ITransformer>();
                foreach (var preparation in inputs.Select(i => i.Input.PersistedPreparation(context)).OfType<IEstimator<ITransformer>>())
                    pipeline = pipeline.Append(preparation);
                pipeline = pipeline.Append(context.Transforms.ApplyOnnxModel(task.PersistedOutputs, [.. inputs.Select(i => i.Input.OnnxName)], file));
                // Columns the preparation derived (token ids) are the model's business: the output matches Transform's.
                string[] derived = [.. inputs.Select(i => i.Input.OnnxName).Where(name => schema.GetColumnOrNull(name) is null)];
                if (derived.Length > 0)
                    pipeline = pipeline.Append(context.Transforms.DropColumns(derived));
                pipeline = pipeline.Append(task.PersistedOutputMapping(context));
                return new PersistedModel(pipeline.Fit(new EmptyDataView(schema)), file);
            }
            catch
            {
                File.Delete(file);
                throw;
            }
        }
    }
}
