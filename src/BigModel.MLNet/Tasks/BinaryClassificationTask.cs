using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tasks;

/// <summary>
/// Logistic loss on a <c>Boolean</c> label; outputs <c>Score</c> (the logit), <c>Probability</c> (its sigmoid) and
/// <c>PredictedLabel</c> (<c>Score &gt; 0</c>), as ML.NET's calibrated binary trainers do.
/// </summary>
internal sealed class BinaryClassificationTask(double labelSmoothing) : PredictionTask
{
    /// <summary>A binary classification of <paramref name="label"/>; <paramref name="labelSmoothing"/> ε trains towards
    /// ε/2 and 1 − ε/2 instead of 0 and 1.</summary>
    public static BinaryClassificationTask For(DataViewSchema.Column label, double labelSmoothing = 0)
    {
        BooleanLabelReader.Check(label);
        return new BinaryClassificationTask(labelSmoothing);
    }

    public override PredictionKind Kind => PredictionKind.BinaryClassification;

    public override LossFunction Loss => (output, target) =>
    {
        using var scope = NewDisposeScope();
        var targets = target.to_type(ScalarType.Float32);
        if (labelSmoothing > 0)
        {
            using var keep = (1 - labelSmoothing).ToScalar();
            using var shift = (labelSmoothing / 2).ToScalar();
            targets = targets.mul(keep).add(shift, Scalars.One);
        }
        return nn.functional.binary_cross_entropy_with_logits(output.squeeze(-1), targets, reduction: nn.Reduction.None).MoveToOuterDisposeScope();
    };

    public override bool IsClassification => true;

    public override Tensor Correct(Tensor output, Tensor target)
    {
        using var zero = 0f.ToScalar(); // kept alive across the native call (see Engine/Optimizer.cs)
        using var predicted = output.squeeze(-1).gt(zero).to_type(ScalarType.Int64);
        using var same = predicted.eq(target);
        return same.sum().reshape(1);
    }

    public override int OutputSize => 1;
    public override int? ClassCount => 2;

    public override BatchColumnReader CreateLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity) =>
        new BooleanLabelReader(row, column, capacity);

    public override void AddOnnxOutputs(OnnxGraph graph, string networkOutput)
    {
        string score = AddScalarScore(graph, networkOutput);
        graph.AddOutput(Probability, graph.AddNode("Sigmoid", [score]), OnnxElementType.Float, [null]);
        graph.AddOutput(PredictedLabel, graph.AddNode("Greater", [score, graph.AddInitializer("zero", [0f])]), OnnxElementType.Bool, [null]);
    }

    public override string[] ScorerOutputs => [Score, Probability];
    public override string[] PersistedOutputs => [Score, Probability, PredictedLabel];

    public override IEstimator<ITransformer> PersistedOutputMapping(MLContext context) =>
        context.Transforms.CustomMapping(new BinaryScoreMapping().GetMapping(), BinaryScoreMapping.ContractName);

    public override IReadOnlyList<ScoreColumn> OutputColumns { get; } =
    [
        new(Score, NumberDataViewType.Single, null, batch => ScalarGetter(batch, Score)),
        new(Probability, NumberDataViewType.Single, null, batch => ScalarGetter(batch, Probability)),
        new(PredictedLabel, BooleanDataViewType.Instance, null,
            batch => (ValueGetter<bool>)((ref bool value) => value = batch.Current(Score)[0] > 0)),
    ];
}
