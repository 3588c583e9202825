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

    /// <summary>
    /// A batch tensor made on the host, on <paramref name="device"/>. For a CUDA device the values go through pinned
    /// (page-locked) memory and are copied without blocking: the copy is queued on the GPU behind the steps already
    /// there, and the reading thread (the background feed) goes on to the next batch. libtorch keeps the pinned block
    /// until the copy is done.
    /// </summary>
    protected static Tensor OnDevice(Tensor host, Device device)
    {
        if (device.type != DeviceType.CUDA)
            return host;
        using (host)
        {
            using var pinned = host.pin_memory();
            return pinned.to(device, non_blocking: true);
        }
    }

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
