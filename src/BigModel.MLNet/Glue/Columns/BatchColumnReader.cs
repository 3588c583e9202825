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

    /// <summary>The first <paramref name="rows"/> slots as a tensor on <paramref name="device"/>.</summary>
    public abstract Tensor ToTensor(int rows, Device device);

    protected InvalidDataException BadValue(string problem, string remedy) =>
        new($"Column '{Column.Name}' {problem} at row {Row.Position}. {remedy}");

    protected static Tensor Upload(float[] buffer, int count, long[] shape, Device device) =>
        tensor(count == buffer.Length ? buffer : buffer[..count], shape, device: device);

    protected static Tensor Upload(long[] buffer, int count, long[] shape, Device device) =>
        tensor(count == buffer.Length ? buffer : buffer[..count], shape, device: device);
}
