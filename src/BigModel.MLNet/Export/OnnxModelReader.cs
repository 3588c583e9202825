using Google.Protobuf;

namespace BigModel.MLNet.Export;

/// <summary>
/// Reads what weight import needs from an ONNX <c>ModelProto</c>: the graph's nodes (operator, inputs, outputs) and its
/// float initializers. Protobuf wire format read directly (field numbers from the ONNX specification's onnx.proto).
/// </summary>
internal sealed class OnnxModelReader
{
    private OnnxModelReader() { }

    /// <summary>Nodes in graph order.</summary>
    public List<OnnxNode> Nodes { get; } = [];

    /// <summary>Float initializers by name, with their dimensions.</summary>
    public Dictionary<string, (long[] Dims, float[] Values)> Initializers { get; } = new(StringComparer.Ordinal);

    /// <summary>Int64 initializers (shapes, indices) by name.</summary>
    public Dictionary<string, long[]> IntegerInitializers { get; } = new(StringComparer.Ordinal);

    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not an ONNX model (the message names it).</exception>
    public static OnnxModelReader Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The ONNX model '{path}' does not exist.", path);
        try
        {
            var reader = new OnnxModelReader();
            var model = new CodedInputStream(File.ReadAllBytes(path));
            bool sawGraph = false;
            while (model.ReadTag() is var tag and not 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == 7) // ModelProto.graph
                {
                    reader.ReadGraph(model.ReadBytes());
                    sawGraph = true;
                }
                else
                {
                    model.SkipLastField();
                }
            }
            if (!sawGraph)
                throw new InvalidDataException($"'{path}' holds no ONNX graph.");
            return reader;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{path}' is not a readable ONNX model: {e.Message}", e);
        }
    }

    private void ReadGraph(ByteString bytes)
    {
        var graph = bytes.CreateCodedInput();
        while (graph.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: Nodes.Add(OnnxWire.ReadNode(graph.ReadBytes(), ReadAttribute, name => name)); break;
                case 5: ReadInitializer(graph.ReadBytes()); break;
                default: graph.SkipLastField(); break;
            }
        }
    }

    /// <summary>A float or integer attribute (what weight import reads, e.g. epsilon); others are skipped.</summary>
    private static OnnxAttribute? ReadAttribute(ByteString bytes)
    {
        var attribute = bytes.CreateCodedInput();
        string name = "";
        float? f = null;
        long? i = null;
        while (attribute.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = attribute.ReadString(); break;
                case 2: f = attribute.ReadFloat(); break;
                case 3: i = attribute.ReadInt64(); break;
                default: attribute.SkipLastField(); break;
            }
        }
        return f is { } value ? OnnxAttribute.Of(name, value) : i is { } integer ? OnnxAttribute.Of(name, integer) : null;
    }

    private void ReadInitializer(ByteString bytes)
    {
        var tensor = bytes.CreateCodedInput();
        var dims = new List<long>();
        var floats = new List<float>();
        var longs = new List<long>();
        string name = "";
        int type = 0;
        ByteString? raw = null;
        while (tensor.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: OnnxWire.ReadInt64s(tensor, tag, dims); break;
                case 2: type = tensor.ReadInt32(); break;
                case 4 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    var values = tensor.ReadBytes().CreateCodedInput();
                    while (!values.IsAtEnd) floats.Add(values.ReadFloat());
                    break;
                case 4: floats.Add(tensor.ReadFloat()); break;
                case 7: OnnxWire.ReadInt64s(tensor, tag, longs); break;
                case 8: name = tensor.ReadString(); break;
                case 9: raw = tensor.ReadBytes(); break;
                default: tensor.SkipLastField(); break;
            }
        }
        if (type == (int)OnnxElementType.Int64)
            IntegerInitializers[name] = raw is null ? [.. longs] : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(raw.Span).ToArray();
        if (type != (int)OnnxElementType.Float)
            return;
        float[] data = raw is null ? [.. floats] : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw.Span).ToArray();
        Initializers[name] = ([.. dims], data);
    }
}
