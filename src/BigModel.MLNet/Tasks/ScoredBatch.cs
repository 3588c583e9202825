namespace BigModel.MLNet.Tasks;

/// <summary>The ONNX outputs for one batch of rows, and which row a cursor is on.</summary>
internal sealed class ScoredBatch
{
    private readonly Dictionary<string, (float[] Values, int Width)> _outputs = new(StringComparer.Ordinal);

    /// <summary>The row (within the batch) that getters read.</summary>
    public int Row { get; set; }

    public void Set(string name, float[] values, int width) => _outputs[name] = (values, width);

    /// <summary>Stores the outputs of the rows in <paramref name="slots"/> (in that order) at those slots of a batch of
    /// <paramref name="capacity"/> rows.</summary>
    public void Scatter(string name, ReadOnlySpan<float> values, int width, int[] slots, int capacity)
    {
        if (!_outputs.TryGetValue(name, out var output) || output.Width != width || output.Values.Length < capacity * width)
            _outputs[name] = output = (new float[capacity * width], width);
        for (int i = 0; i < slots.Length; i++)
            values.Slice(i * width, width).CopyTo(output.Values.AsSpan(slots[i] * width, width));
    }

    /// <summary>The current row's values of output <paramref name="name"/>.</summary>
    public ReadOnlySpan<float> Current(string name)
    {
        var (values, width) = _outputs[name];
        return values.AsSpan(Row * width, width);
    }
}
