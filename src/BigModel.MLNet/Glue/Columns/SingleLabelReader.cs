using BigModel.MLNet.Engine;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BigModel.MLNet.Glue.Columns;

/// <summary>Reads a <c>Single</c> regression label; NaN and infinities are rejected.</summary>
/// <param name="row">The cursor.</param>
/// <param name="column">The label column.</param>
/// <param name="capacity">Rows the reader holds.</param>
/// <param name="minimum">The smallest valid label (0 for ratings), or null for any finite value.</param>
/// <param name="scale">Stores (label − mean) / std when given: the standardised label regression trains on.</param>
internal sealed class SingleLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity, float? minimum = null,
    (float Mean, float Std)? scale = null) : BatchColumnReader(row, column)
{
    private readonly ValueGetter<float> _getter = row.GetGetter<float>(column);
    private readonly float[] _buffer = new float[capacity];

    public static void Check(DataViewSchema.Column column)
    {
        if (column.Type != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(column.Name,
                $"Regression label column '{column.Name}' must be Single, but is {column.Type}. Convert it with mlContext.Transforms.Conversion.ConvertType.");
    }

    public override void Read(int slot)
    {
        float value = 0;
        _getter(ref value);
        if (!float.IsFinite(value))
            throw BadValue($"holds the label {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "Filter rows with missing labels out (mlContext.Data.FilterRowsByMissingValues).");
        if (value < minimum)
            throw BadValue($"holds the label {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}, below the smallest valid value {minimum}",
                "Fix or filter those rows (mlContext.Data.FilterRowsByColumn).");
        _buffer[slot] = scale is { } s ? (value - s.Mean) / s.Std : value;
    }

    public override Tensor ToTensor(ReadOnlySpan<int> slots, Device device) => HostCopy.ToDevice(tensor(Gather(_buffer, 1, slots), [slots.Length]), device);
}
