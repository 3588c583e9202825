using System.Text;
using Google.Protobuf;

namespace BigModel.MLNet.Export;

/// <summary>
/// Serialises an <see cref="OnnxGraph"/> as an ONNX <c>ModelProto</c>, writing the protobuf
/// wire format directly (field numbers from the ONNX specification's onnx.proto).
/// </summary>
internal static class OnnxModelWriter
{
    /// <summary>The opset the exporter targets: LayerNormalization needs 17.</summary>
    public const int Opset = 17;
    private const long IrVersion = 8;

    public static byte[] Write(OnnxGraph graph, string graphName)
    {
        return Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.Varint); w.WriteInt64(IrVersion);
            WriteString(w, 2, "BigModel.MLNet");
            WriteString(w, 3, typeof(OnnxModelWriter).Assembly.GetName().Version?.ToString() ?? "0");
            WriteMessage(w, 7, Graph(graph, graphName));
            WriteMessage(w, 8, Message(o => { WriteString(o, 1, ""); o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt64(Opset); }));
        });
    }

    private static byte[] Graph(OnnxGraph graph, string name) => Message(w =>
    {
        foreach (var node in graph.Nodes)
            WriteMessage(w, 1, Node(node));
        WriteString(w, 2, name);
        foreach (var tensor in graph.Initializers)
            WriteMessage(w, 5, Tensor(tensor));
        foreach (var input in graph.Inputs)
            WriteMessage(w, 11, ValueInfo(input));
        foreach (var output in graph.Outputs)
            WriteMessage(w, 12, ValueInfo(output));
    });

    private static byte[] Node(OnnxNode node) => Message(w =>
    {
        foreach (var input in node.Inputs)
            WriteString(w, 1, input);
        foreach (var output in node.Outputs)
            WriteString(w, 2, output);
        WriteString(w, 4, node.OpType);
        foreach (var attribute in node.Attributes)
            WriteMessage(w, 5, Attribute(attribute));
    });

    // AttributeProto: name=1, f=2, i=3, s=4, ints=8, type=20 (FLOAT=1, INT=2, STRING=3, INTS=7).
    private static byte[] Attribute(OnnxAttribute a) => Message(w =>
    {
        WriteString(w, 1, a.Name);
        if (a.Float is { } f) { w.WriteTag(2, WireFormat.WireType.Fixed32); w.WriteFloat(f); WriteType(w, 1); }
        else if (a.Int is { } i) { w.WriteTag(3, WireFormat.WireType.Varint); w.WriteInt64(i); WriteType(w, 2); }
        else if (a.String is { } s) { WriteBytes(w, 4, Encoding.UTF8.GetBytes(s)); WriteType(w, 3); }
        else if (a.Ints is { } ints) { WritePackedInt64(w, 8, ints); WriteType(w, 7); }
    });

    private static void WriteType(CodedOutputStream w, int type)
    {
        w.WriteTag(20, WireFormat.WireType.Varint);
        w.WriteInt32(type);
    }

    // TensorProto: dims=1, data_type=2, float_data=4, string_data=6, int64_data=7, name=8, raw_data=9.
    private static byte[] Tensor(OnnxTensor t) => Message(w =>
    {
        WritePackedInt64(w, 1, t.Dims);
        w.WriteTag(2, WireFormat.WireType.Varint); w.WriteInt32((int)t.Type);
        if (t.Strings is not null)
            foreach (var s in t.Strings)
                WriteBytes(w, 6, Encoding.UTF8.GetBytes(s));
        WriteString(w, 8, t.Name);
        if (t.Floats is not null)
            WriteBytes(w, 9, ToLittleEndian(t.Floats));
        if (t.Longs is not null)
            WriteBytes(w, 9, ToLittleEndian(t.Longs));
        if (t.Bytes is not null)
            WriteBytes(w, 9, t.Bytes);
    });

    // ValueInfoProto: name=1, type=2 → TypeProto.tensor_type=1 → (elem_type=1, shape=2 → dim=1 → (dim_value=1 | dim_param=2)).
    private static byte[] ValueInfo(OnnxValueInfo v) => Message(w =>
    {
        WriteString(w, 1, v.Name);
        var shape = Message(s =>
        {
            for (int i = 0; i < v.Dims.Length; i++)
            {
                long? dim = v.Dims[i];
                WriteMessage(s, 1, Message(d =>
                {
                    if (dim is { } value) { d.WriteTag(1, WireFormat.WireType.Varint); d.WriteInt64(value); }
                    else WriteString(d, 2, i == 0 ? "batch" : $"{v.Name}_dim{i}");
                }));
            }
        });
        var tensorType = Message(t => { t.WriteTag(1, WireFormat.WireType.Varint); t.WriteInt32((int)v.Type); WriteMessage(t, 2, shape); });
        WriteMessage(w, 2, Message(t => WriteMessage(t, 1, tensorType)));
    });

    private static byte[] ToLittleEndian<T>(T[] values) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX export needs a little-endian machine.");
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    }

    private static void WritePackedInt64(CodedOutputStream w, int field, long[] values)
    {
        if (values.Length == 0)
            return;
        WriteBytes(w, field, Message(p => { foreach (var v in values) p.WriteInt64(v); }));
    }

    private static void WriteString(CodedOutputStream w, int field, string value)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteString(value);
    }

    private static void WriteBytes(CodedOutputStream w, int field, byte[] value)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(value));
    }

    private static void WriteMessage(CodedOutputStream w, int field, byte[] message) => WriteBytes(w, field, message);

    private static byte[] Message(Action<CodedOutputStream> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new CodedOutputStream(stream, leaveOpen: true))
        {
            body(writer);
        }
        return stream.ToArray();
    }
}
