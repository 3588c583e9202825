namespace BigModel.MLNet.Export;

/// <summary>
/// An ONNX graph under construction: inputs, outputs, constant initializers and nodes.
/// Layer exporters append to it; <see cref="OnnxModelWriter"/> serialises it.
/// </summary>
/// <remarks>
/// Dimensions given as <c>null</c> are symbolic (the batch size, a sequence length). Names
/// handed out by <see cref="Fresh"/> are unique within the graph.
/// </remarks>
public sealed class OnnxGraph
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    internal List<OnnxValueInfo> Inputs { get; } = [];
    internal List<OnnxValueInfo> Outputs { get; } = [];
    internal List<OnnxTensor> Initializers { get; } = [];
    internal List<OnnxNode> Nodes { get; } = [];

    /// <summary>Declares a graph input and returns its name.</summary>
    public string AddInput(string name, OnnxElementType type, params long?[] dims)
    {
        Reserve(name);
        Inputs.Add(new OnnxValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> (produced by a node) as a graph output named <paramref name="name"/>.</summary>
    public void AddOutput(string name, string value, OnnxElementType type, params long?[] dims)
    {
        if (name != value)
            AddNode("Identity", [value], name);
        Outputs.Add(new OnnxValueInfo(name, type, dims));
    }

    /// <summary>Adds a float constant and returns its name.</summary>
    public string AddInitializer(string hint, float[] values, params long[] dims) =>
        AddTensor(new OnnxTensor(Fresh(hint), OnnxElementType.Float, dims, Floats: values));

    /// <summary>Adds a 64-bit integer constant and returns its name.</summary>
    public string AddInitializer(string hint, long[] values, params long[] dims) =>
        AddTensor(new OnnxTensor(Fresh(hint), OnnxElementType.Int64, dims, Longs: values));

    /// <summary>Adds a string constant and returns its name.</summary>
    public string AddInitializer(string hint, string[] values, params long[] dims) =>
        AddTensor(new OnnxTensor(Fresh(hint), OnnxElementType.String, dims, Strings: values));

    /// <summary>Adds an 8-bit signed integer constant (quantised weights) and returns its name.</summary>
    public string AddInitializer(string hint, sbyte[] values, params long[] dims) =>
        AddTensor(new OnnxTensor(Fresh(hint), OnnxElementType.Int8, dims, Bytes: System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));

    /// <summary>Appends a node with several outputs (named from <paramref name="hints"/>) and returns their names.</summary>
    public string[] AddNodeWithOutputs(string opType, string[] inputs, string[] hints, params OnnxAttribute[] attributes)
    {
        string[] outputs = [.. hints.Select(Fresh)];
        Nodes.Add(new OnnxNode(opType, inputs, outputs, attributes));
        return outputs;
    }

    /// <summary>Appends a node with one output and returns that output's name.</summary>
    public string AddNode(string opType, string[] inputs, string? output = null, params OnnxAttribute[] attributes)
    {
        string name = output is null ? Fresh(opType.ToLowerInvariant()) : Reserve(output);
        Nodes.Add(new OnnxNode(opType, inputs, [name], attributes));
        return name;
    }

    /// <summary>Returns a name not used yet in this graph, derived from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name = hint;
        for (int i = 1; _names.Contains(name); i++)
            name = $"{hint}_{i}";
        return Reserve(name);
    }

    /// <summary>Marks <paramref name="name"/> as used (for graphs read back from a file).</summary>
    internal string Reserve(string name)
    {
        if (!_names.Add(name))
            throw new InvalidOperationException($"The ONNX graph already has a value named '{name}'.");
        return name;
    }

    private string AddTensor(OnnxTensor tensor)
    {
        long expected = tensor.Dims.Aggregate(1L, (a, b) => a * b);
        long actual = tensor.Floats?.Length ?? tensor.Longs?.Length ?? tensor.Strings?.Length ?? tensor.Bytes?.Length ?? 0;
        if (expected != actual)
            throw new ArgumentException($"Initializer '{tensor.Name}' has {actual} values but dims [{string.Join(",", tensor.Dims)}].");
        Initializers.Add(tensor);
        return tensor.Name;
    }
}

/// <summary>A named, typed graph input or output.</summary>
internal sealed record OnnxValueInfo(string Name, OnnxElementType Type, long?[] Dims);

/// <summary>A constant tensor stored in the model.</summary>
internal sealed record OnnxTensor(string Name, OnnxElementType Type, long[] Dims,
    float[]? Floats = null, long[]? Longs = null, string[]? Strings = null, byte[]? Bytes = null);

/// <summary>One operator application.</summary>
internal sealed record OnnxNode(string OpType, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);

/// <summary>A node attribute: an integer, float, string or list of integers.</summary>
public sealed record OnnxAttribute
{
    private OnnxAttribute(string name) => Name = name;

    /// <summary>The attribute's name, as the operator's specification gives it.</summary>
    public string Name { get; }
    /// <summary>The value of an integer attribute, or null.</summary>
    public long? Int { get; private init; }

    /// <summary>The value of a float attribute, or null.</summary>
    public float? Float { get; private init; }
    internal string? String { get; private init; }
    internal long[]? Ints { get; private init; }

    /// <summary>An integer attribute.</summary>
    public static OnnxAttribute Of(string name, long value) => new(name) { Int = value };
    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Of(string name, float value) => new(name) { Float = value };
    /// <summary>A string attribute.</summary>
    public static OnnxAttribute Of(string name, string value) => new(name) { String = value };
    /// <summary>A list-of-integers attribute.</summary>
    public static OnnxAttribute Of(string name, long[] value) => new(name) { Ints = value };
}
