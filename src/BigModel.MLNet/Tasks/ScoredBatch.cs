namespace BigModel.MLNet.Tasks;

/// <summary>The ONNX outputs for one batch of rows, and which row a cursor is on.</summary>
internal sealed class ScoredBatch
{
    private readonly Dictionary<string, (float[] Values, int Width)> _outputs = new(StringComparer.Ordinal);

    /// <summary>The row (within the batch) that getters read.</summary>
    public int Row { get; set; }

    public void Set(string name, float[] values, int width) => _outputs[name] = (values, width);

    /// <summary>The current row's values of output <paramref name="name"/>.</summary>
    public ReadOnlySpan<float> Current(string name)
    {
        var (values, width) = _outputs[name];
        return values.AsSpan(Row * width, width);
    }
}
