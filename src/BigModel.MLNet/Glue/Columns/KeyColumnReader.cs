using BigModel.MLNet.Engine;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using static TorchSharp.torch;

namespace BigModel.MLNet.Glue.Columns;

/// <summary>
/// Reads a key column (user or item ids from <c>MapValueToKey</c>) as int64 indices for embedding tables. Key 0, the
/// value ML.NET gives to values its mapping never saw, passes through: models treat it as "unknown".
/// </summary>
internal sealed class KeyColumnReader : BatchColumnReader, IOnnxInputReader
{
    private readonly ValueGetter<uint> _getter;
    private readonly uint[] _buffer;
    private readonly int _count;

    public KeyColumnReader(DataViewRow row, DataViewSchema.Column column, int capacity) : base(row, column)
    {
        _count = KeyCount(column);
        _getter = row.GetGetter<uint>(column);
        _buffer = new uint[capacity];
    }

    /// <summary>The number of known values of a key column, or a clear error when it is no key column.</summary>
    public static int KeyCount(DataViewSchema.Column column)
    {
        if (column.Type is KeyDataViewType key && key.RawType == typeof(uint) && key.Count is > 0 and < int.MaxValue)
            return (int)key.Count;
        throw new ArgumentOutOfRangeException(column.Name,
            $"Column '{column.Name}' must be a key of UInt32, but is {column.Type}. " +
            "Map ids to keys with mlContext.Transforms.Conversion.MapValueToKey.");
    }

    public override void Read(int slot)
    {
        _getter(ref _buffer[slot]);
        if (_buffer[slot] > _count)
            throw BadValue($"holds key {_buffer[slot]}, beyond the {_count} values its key type declares",
                "Keys must lie within their type's count (a custom IDataView produced it): fix the data view.");
    }

    public override Tensor ToTensor(ReadOnlySpan<int> slots, Device device)
    {
        var keys = new long[slots.Length];
        for (int i = 0; i < slots.Length; i++)
            keys[i] = _buffer[slots[i]];
        return HostCopy.ToDevice(tensor(keys, [slots.Length]), device);
    }

    public NamedOnnxValue ToOnnx(int rows) =>
        NamedOnnxValue.CreateFromTensor(Column.Name, new DenseTensor<uint>(_buffer.AsMemory(0, rows), [rows, 1]));

    public NamedOnnxValue ToOnnx(int[] slots) =>
        NamedOnnxValue.CreateFromTensor(Column.Name, new DenseTensor<uint>(Gather(_buffer, 1, slots), [slots.Length, 1]));
}
