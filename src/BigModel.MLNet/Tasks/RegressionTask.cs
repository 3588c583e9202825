using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Glue;
using BigModel.MLNet.Glue.Columns;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tasks;

/// <summary>
/// Regression on a <c>Single</c> label; outputs a scalar <c>Score</c>. By default the network learns the label
/// standardised with the training data's mean and deviation, and the ONNX head undoes it, so that a label in the
/// hundreds of thousands trains as well as one near 1 and <c>Score</c> stays in the label's units.
/// </summary>
internal sealed class RegressionTask : PredictionTask
{
    private readonly float? _minimum;
    private readonly bool _standardize;
    private readonly RegressionLoss _loss;
    private readonly double _huberDelta;
    private (float Mean, float Std)? _scale;

    private RegressionTask(float? minimum, bool standardize, RegressionLoss loss, double huberDelta)
    {
        _minimum = minimum;
        _standardize = standardize;
        _loss = loss;
        _huberDelta = huberDelta;
    }

    /// <summary>A regression on <paramref name="label"/> as <paramref name="options"/> ask (standardised label, loss);
    /// <paramref name="minimum"/> rejects smaller labels (0 for ratings).</summary>
    public static RegressionTask For(DataViewSchema.Column label, TrainingOptions options, float? minimum = null)
    {
        SingleLabelReader.Check(label);
        return new RegressionTask(minimum, options.StandardizeLabel, options.RegressionLoss, options.HuberDelta);
    }

    /// <summary>A plain squared-error regression on the label as it is (the recommenders: their global bias holds the offset).</summary>
    public static RegressionTask Unscaled(DataViewSchema.Column label, float? minimum = null)
    {
        SingleLabelReader.Check(label);
        return new RegressionTask(minimum, standardize: false, RegressionLoss.SquaredError, huberDelta: 1);
    }

    public override PredictionKind Kind => PredictionKind.Regression;

    /// <summary>The label's mean and deviation the network learns against; null while the label is used as it is.</summary>
    public (float Mean, float Std)? LabelScale => _scale;

    public override void Adapt(IDataView trainingData, string? labelColumn)
    {
        if (_standardize && labelColumn is not null)
        {
            var (mean, std) = ColumnStatistics.Of(trainingData, labelColumn);
            _scale = (mean[0], std[0]);
        }
    }

    // error · error rather than square(): TorchSharp's square() is pow(2) with an unrooted temporary scalar.
    public override LossFunction Loss => _loss == RegressionLoss.Huber
        ? (output, target) =>
        {
            using var prediction = output.squeeze(-1);
            return nn.functional.huber_loss(prediction, target, _huberDelta, nn.Reduction.None);
        }
        : static (output, target) =>
        {
            using var error = output.squeeze(-1) - target;
            return error * error;
        };

    public override bool IsClassification => false;
    public override int OutputSize => 1;

    public override BatchColumnReader CreateLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity) =>
        new SingleLabelReader(row, column, capacity, _minimum, _scale);

    /// <summary>Score = output · std + mean: the label's units again.</summary>
    public override void AddOnnxOutputs(OnnxGraph graph, string networkOutput)
    {
        if (_scale is not { } scale)
        {
            AddScalarScore(graph, networkOutput);
            return;
        }
        string scaled = graph.AddNode("Mul", [networkOutput, graph.AddInitializer("label_std", [scale.Std], 1)]);
        AddScalarScore(graph, graph.AddNode("Add", [scaled, graph.AddInitializer("label_mean", [scale.Mean], 1)]));
    }
}
