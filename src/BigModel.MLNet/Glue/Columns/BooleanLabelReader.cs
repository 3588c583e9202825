using BigModel.MLNet.Engine;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BigModel.MLNet.Glue.Columns;

/// <summary>Reads a <c>Boolean</c> binary-classification label as a 0/1 float target.</summary>
internal sealed class BooleanLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity) : BatchColumnReader(row, column)
{
    private readonly ValueGetter<bool> _getter = row.GetGetter<bool>(column);
    private readonly long[] _buffer = new long[capacity];

    public static void Check(DataViewSchema.Column column)
    {
        if (column.Type != BooleanDataViewType.Instance)
            throw new ArgumentOutOfRangeException(column.Name,
                $"Binary classification label column '{column.Name}' must be Boolean, but is {column.Type}.");
    }

    public override void Read(int slot)
    {
        bool value = false;
        _getter(ref value);
        _buffer[slot] = value ? 1 : 0;
    }

    /// <summary>Class indices (0 = false, 1 = true), so class weights apply as for multiclass.</summary>
    public override Tensor ToTensor(ReadOnlySpan<int> slots, Device device) => HostCopy.ToDevice(tensor(Gather(_buffer, 1, slots), [slots.Length]), device);
}
