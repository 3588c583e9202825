using BigModel.MLNet.Engine;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BigModel.MLNet.Glue.Columns;

/// <summary>Reads a key-typed multiclass label as a 0-based class index.</summary>
internal sealed class KeyLabelReader : BatchColumnReader
{
    private readonly ValueGetter<uint> _getter;
    private readonly long[] _buffer;
    private readonly int _classes;

    public KeyLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity) : base(row, column)
    {
        _classes = ClassCount(column);
        _getter = row.GetGetter<uint>(column);
        _buffer = new long[capacity];
    }

    /// <summary>The number of classes a key label column declares, or a clear error when it is no key column.</summary>
    public static int ClassCount(DataViewSchema.Column column)
    {
        int count = KeyColumnReader.KeyCount(column);
        return count >= 2 ? count : throw new ArgumentOutOfRangeException(column.Name,
            $"Multiclass label column '{column.Name}' has {count} class; it needs at least two.");
    }

    public override void Read(int slot)
    {
        uint key = 0;
        _getter(ref key);
        if (key == 0 || key > _classes)
            throw BadValue(key == 0 ? "has a missing label (key 0: a value the key mapping never saw)" : $"has label key {key}, beyond its {_classes} classes",
                "Filter such rows out, or fit MapValueToKey on data that contains every label.");
        _buffer[slot] = key - 1;
    }

    public override Tensor ToTensor(ReadOnlySpan<int> slots, Device device) => HostCopy.ToDevice(tensor(Gather(_buffer, 1, slots), [slots.Length]), device);
}
