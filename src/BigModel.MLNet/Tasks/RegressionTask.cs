using BigModel.MLNet.Engine;
using BigModel.MLNet.Glue.Columns;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tasks;

/// <summary>Squared-error regression on a <c>Single</c> label; outputs a scalar <c>Score</c>.</summary>
internal sealed class RegressionTask : PredictionTask
{
    private readonly float? _minimum;

    private RegressionTask(float? minimum) => _minimum = minimum;

    /// <summary>A regression on <paramref name="label"/>; <paramref name="minimum"/> rejects smaller labels (0 for ratings).</summary>
    public static RegressionTask For(DataViewSchema.Column label, float? minimum = null)
    {
        SingleLabelReader.Check(label);
        return new RegressionTask(minimum);
    }

    public override PredictionKind Kind => PredictionKind.Regression;

    // error · error rather than square(): TorchSharp's square() is pow(2) with an unrooted temporary scalar.
    public override LossFunction Loss => static (output, target) =>
    {
        using var error = output.squeeze(-1) - target;
        return error * error;
    };
    public override bool IsClassification => false;
    public override int OutputSize => 1;

    public override BatchColumnReader CreateLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity) =>
        new SingleLabelReader(row, column, capacity, _minimum);
}
