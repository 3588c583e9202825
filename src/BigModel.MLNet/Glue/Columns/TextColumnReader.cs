using BigModel.MLNet.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using static TorchSharp.torch;

namespace BigModel.MLNet.Glue.Columns;

/// <summary>
/// Reads a text column and tokenises each row into WordPiece ids. Training batches are padded (with −1) only to their
/// longest row and stay on the CPU; ONNX batches to <see cref="WordPieceEncoder.MaxTokens"/>, the width a saved model's tokenisation
/// produces (the model itself trims to the longest row).
/// </summary>
internal sealed class TextColumnReader : BatchColumnReader, IOnnxInputReader, IVariableLengthReader
{
    private readonly ValueGetter<ReadOnlyMemory<char>> _getter;
    private readonly WordPieceEncoder _encoder;
    private readonly string _onnxName;
    private readonly List<int>[] _ids;
    private ReadOnlyMemory<char> _text;

    public TextColumnReader(DataViewRow row, DataViewSchema.Column column, int capacity, WordPieceEncoder encoder, string onnxName) : base(row, column)
    {
        RequireText(column);
        _getter = row.GetGetter<ReadOnlyMemory<char>>(column);
        _encoder = encoder;
        _onnxName = onnxName;
        _ids = new List<int>[capacity];
    }

    /// <summary>A clear error when the column does not hold text.</summary>
    public static void RequireText(DataViewSchema.Column column)
    {
        if (column.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(column.Name,
                $"Column '{column.Name}' must hold text (String), but is {column.Type}. Text classifiers read the raw text and tokenise it themselves.");
    }

    public override void Read(int slot)
    {
        _getter(ref _text);
        _ids[slot] = _encoder.Encode(_text.ToString());
    }

    public int LengthOf(int slot) => _ids[slot].Count;

    /// <summary>
    /// The batch's ids, [rows, longest row], on the CPU whatever <paramref name="device"/> is: the network assembles
    /// them into its inputs on the CPU and moves only the result to its device.
    /// </summary>
    public override Tensor ToTensor(ReadOnlySpan<int> slots, Device device)
    {
        int width = 1;
        foreach (int slot in slots)
            width = Math.Max(width, _ids[slot].Count);
        var values = Padded(slots.ToArray(), width);
        return tensor(values, [slots.Length, width]);
    }

    public NamedOnnxValue ToOnnx(int rows) => ToOnnx([.. Enumerable.Range(0, rows)]);

    /// <summary>The rows' ids padded to <see cref="WordPieceEncoder.MaxTokens"/> (the saved model's width); the model trims
    /// them to the longest row given, so rows of similar length score fastest together.</summary>
    public NamedOnnxValue ToOnnx(int[] slots) =>
        NamedOnnxValue.CreateFromTensor(_onnxName, new DenseTensor<long>(Padded(slots, WordPieceEncoder.MaxTokens), [slots.Length, WordPieceEncoder.MaxTokens]));

    private long[] Padded(int[] slots, int width)
    {
        var values = new long[slots.Length * width];
        Array.Fill(values, -1L);
        for (int i = 0; i < slots.Length; i++)
        {
            var ids = _ids[slots[i]];
            for (int j = 0; j < ids.Count; j++)
                values[i * width + j] = ids[j];
        }
        return values;
    }
}
