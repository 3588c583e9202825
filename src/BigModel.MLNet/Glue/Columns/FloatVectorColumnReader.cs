using BigModel.MLNet.Engine;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using static TorchSharp.torch;

namespace BigModel.MLNet.Glue.Columns;

/// <summary>Reads a known-size <c>Single</c> vector column (the usual <c>Features</c>) into [rows, width] batches.</summary>
internal sealed class FloatVectorColumnReader : BatchColumnReader, IOnnxInputReader
{
    private readonly ValueGetter<VBuffer<float>> _getter;
    private VBuffer<float> _value;

    private readonly bool _rejectNonFinite;

    /// <param name="row">The cursor.</param>
    /// <param name="column">The column.</param>
    /// <param name="capacity">Rows the reader holds.</param>
    /// <param name="rejectNonFinite">Fail on NaN and infinities (training); scoring passes them to the model.</param>
    public FloatVectorColumnReader(DataViewRow row, DataViewSchema.Column column, int capacity, bool rejectNonFinite) : base(row, column)
    {
        _rejectNonFinite = rejectNonFinite;
        Width = WidthOf(column);
        Buffer = new float[capacity * Width];
        _getter = row.GetGetter<VBuffer<float>>(column);
    }

    public int Width { get; }

    private float[] Buffer { get; }

    /// <summary>The vector width of a feature column, or a clear error when the column cannot be one.</summary>
    public static int WidthOf(DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType { ItemType: NumberDataViewType n, Size: > 0 } vector && n == NumberDataViewType.Single)
            return vector.Size;
        throw new ArgumentOutOfRangeException(column.Name,
            $"Column '{column.Name}' must be a known-size vector of Single, but is {column.Type}. Combine columns with " +
            "mlContext.Transforms.Concatenate and convert types with mlContext.Transforms.Conversion.ConvertType.");
    }

    public override void Read(int slot)
    {
        _getter(ref _value);
        var target = Buffer.AsSpan(slot * Width, Width);
        _value.CopyTo(target);
        if (!_rejectNonFinite)
            return;
        foreach (float x in target)
        {
            if (!float.IsFinite(x))
                throw BadValue($"holds {x.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "Replace missing values (mlContext.Transforms.ReplaceMissingValues) or filter the row out.");
        }
    }

    public override Tensor ToTensor(ReadOnlySpan<int> slots, Device device) =>
        HostCopy.ToDevice(tensor(Gather(Buffer, Width, slots), [slots.Length, Width]), device);

    public NamedOnnxValue ToOnnx(int rows) =>
        NamedOnnxValue.CreateFromTensor(Column.Name, new DenseTensor<float>(Buffer.AsMemory(0, rows * Width), [rows, Width]));

    public NamedOnnxValue ToOnnx(int[] slots) =>
        NamedOnnxValue.CreateFromTensor(Column.Name, new DenseTensor<float>(Gather(Buffer, Width, slots), [slots.Length, Width]));
}
