using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Glue.Columns;

/// <summary>
/// Copies one column of a cursor's rows into a flat batch buffer, then turns the buffer into one tensor
/// (one native call per batch, none per value).
/// </summary>
internal abstract class BatchColumnReader
{
    protected BatchColumnReader(DataViewRow row, DataViewSchema.Column column)
    {
        Row = row;
        Column = column;
    }

    protected DataViewRow Row { get; }
    public DataViewSchema.Column Column { get; }

    /// <summary>Reads the cursor's current row into slot <paramref name="slot"/> of the batch.</summary>
    public abstract void Read(int slot);

    /// <summary>The values in <paramref name="slots"/>, in that order, as one tensor on <paramref name="device"/>.</summary>
    public abstract Tensor ToTensor(ReadOnlySpan<int> slots, Device device);

    protected InvalidDataException BadValue(string problem, string remedy) =>
        BadValues.Create($"Column '{Column.Name}' {problem} at row {Row.Position}. {remedy}");

    /// <summary>Copies the rows in <paramref name="slots"/> (each <paramref name="width"/> values) into a new array.</summary>
    protected static T[] Gather<T>(T[] buffer, int width, ReadOnlySpan<int> slots)
    {
        var rows = new T[slots.Length * width];
        for (int i = 0; i < slots.Length; i++)
            Array.Copy(buffer, slots[i] * width, rows, i * width, width);
        return rows;
    }
}
