using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BigModel.MLNet.Glue.Columns;

/// <summary>Reads a <c>Single</c> regression label; NaN and infinities are rejected.</summary>
internal sealed class SingleLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity) : BatchColumnReader(row, column)
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
        _buffer[slot] = value;
    }

    public override Tensor ToTensor(ReadOnlySpan<int> slots, Device device) => tensor(Gather(_buffer, 1, slots), [slots.Length], device: device);
}
