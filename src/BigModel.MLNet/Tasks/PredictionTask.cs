using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tasks;

/// <summary>
/// Everything that differs between regression, binary and multiclass models: the label reader, the loss,
/// the network's output width, the ONNX head, the output columns and the steps a saved model appends.
/// Presets and the engine stay the same for all three.
/// </summary>
internal abstract class PredictionTask : ITrainingTask
{
    /// <summary>Standard ML.NET output column names.</summary>
    public const string Score = "Score", Probability = "Probability", PredictedLabel = "PredictedLabel";

    /// <summary>Which of the three problems this is.</summary>
    public abstract PredictionKind Kind { get; }

    public abstract LossFunction Loss { get; }
    public abstract bool IsClassification { get; }
    public long CountCorrect(Tensor output, Tensor target)
    {
        using var correct = Correct(output, target);
        return correct.item<long>();
    }

    /// <summary>Correct predictions as a one-element tensor on the batch's device (classifiers override it).</summary>
    public virtual Tensor Correct(Tensor output, Tensor target) => zeros(1, ScalarType.Int64, device: output.device);

    /// <summary>The network's output width.</summary>
    public abstract int OutputSize { get; }

    int? ITrainingTask.OutputWidth => OutputSize;

    /// <summary>Classes of a classification task (2 for binary); null otherwise.</summary>
    public virtual int? ClassCount => null;

    /// <summary>A reader of the label column holding up to <paramref name="capacity"/> rows.</summary>
    public abstract BatchColumnReader CreateLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity);

    /// <summary>Learns what the task needs from the training data before training (the regression label's scale);
    /// nothing by default.</summary>
    public virtual void Adapt(IDataView trainingData, string? labelColumn)
    {
    }

    /// <summary>
    /// Turns a batch read from the data into the batch the network trains on; the identity except where the task
    /// adds rows of its own (negative samples for implicit feedback).
    /// </summary>
    public virtual TensorBatch CompleteBatch(TensorBatch batch, Random random) => batch;

    // The defaults below describe a model with one scalar output, Score (regression, rankings); classifiers override them.

    /// <summary>Appends the head (activation, arg-max) and declares the graph's outputs.</summary>
    public virtual void AddOnnxOutputs(OnnxGraph graph, string networkOutput) => AddScalarScore(graph, networkOutput);

    /// <summary>The float ONNX outputs the batch scorer fetches.</summary>
    public virtual string[] ScorerOutputs => [Score];

    /// <summary>The ONNX outputs a saved model's <c>OnnxTransformer</c> produces.</summary>
    public virtual string[] PersistedOutputs => [Score];

    /// <summary>The ML.NET steps after the <c>OnnxTransformer</c> that give the standard scalar/key columns.</summary>
    public virtual IEstimator<ITransformer> PersistedOutputMapping(MLContext context) =>
        context.Transforms.CustomMapping(new RegressionScoreMapping().GetMapping(), RegressionScoreMapping.ContractName);

    public virtual IReadOnlyList<ScoreColumn> OutputColumns { get; } =
        [new(Score, NumberDataViewType.Single, null, batch => ScalarGetter(batch, Score))];

    /// <summary>The output columns as a schema (for <c>GetOutputSchema</c>).</summary>
    public DataViewSchema OutputSchema()
    {
        var builder = new DataViewSchema.Builder();
        foreach (var column in OutputColumns)
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        return builder.ToSchema();
    }

    /// <summary>Checks the label column's type and creates the task it implies, as <paramref name="options"/> ask.</summary>
    public static PredictionTask Create(PredictionKind kind, DataViewSchema.Column label, TrainingOptions options) => kind switch
    {
        PredictionKind.Regression => RegressionTask.For(label, options),
        PredictionKind.BinaryClassification => BinaryClassificationTask.For(label, options.LabelSmoothing),
        PredictionKind.MulticlassClassification => MulticlassClassificationTask.For(label, options.LabelSmoothing),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown prediction kind."),
    };

    /// <summary>Declares the network's single output per row as the <c>Score</c> output, flattened to [rows].</summary>
    protected static string AddScalarScore(OnnxGraph graph, string networkOutput)
    {
        string flat = graph.AddNode("Reshape", [networkOutput, graph.AddInitializer("rows", [-1L], 1)]);
        graph.AddOutput(Score, flat, OnnxElementType.Float, [null]);
        return Score;
    }

    protected static ValueGetter<float> ScalarGetter(ScoredBatch batch, string output) =>
        (ref float value) => value = batch.Current(output)[0];
}
