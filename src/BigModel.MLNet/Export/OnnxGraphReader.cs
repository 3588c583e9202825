using System.Text;
using Google.Protobuf;

namespace BigModel.MLNet.Export;

/// <summary>
/// Reads an ONNX model the package wrote (<see cref="OnnxModelWriter"/>) back into an <see cref="OnnxGraph"/>, so that
/// passes such as int8 quantisation can rewrite a trained model's graph. Knows the subset of ONNX the writer uses:
/// typed inputs and outputs, float/int64/string/8-bit initializers, nodes with integer, float, string and integer-list
/// attributes.
/// </summary>
internal static class OnnxGraphReader
{
    /// <exception cref="InvalidDataException">The bytes are not an ONNX model of that subset.</exception>
    public static OnnxGraph Read(byte[] model)
    {
        var graph = new OnnxGraph();
        try
        {
            var input = new CodedInputStream(model);
            while (input.ReadTag() is var tag and not 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == 7)
                    ReadGraph(input.ReadBytes(), graph);
                else
                    input.SkipLastField();
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"The model is not a readable ONNX model: {e.Message}", e);
        }
        return graph;
    }

    private static void ReadGraph(ByteString bytes, OnnxGraph graph)
    {
        var input = bytes.CreateCodedInput();
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: graph.Nodes.Add(OnnxWire.ReadNode(input.ReadBytes(), ReadAttribute, graph.Reserve)); break;
                case 5: graph.Initializers.Add(ReadTensor(input.ReadBytes(), graph)); break;
                case 11: graph.Inputs.Add(ReadValueInfo(input.ReadBytes(), graph, reserve: true)); break;
                case 12: graph.Outputs.Add(ReadValueInfo(input.ReadBytes(), graph, reserve: false)); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private static OnnxAttribute ReadAttribute(ByteString bytes)
    {
        var attribute = bytes.CreateCodedInput();
        string name = "";
        OnnxAttribute? value = null;
        var ints = new List<long>();
        while (attribute.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = attribute.ReadString(); break;
                case 2: value = OnnxAttribute.Of(name, attribute.ReadFloat()); break;
                case 3: value = OnnxAttribute.Of(name, attribute.ReadInt64()); break;
                case 4: value = OnnxAttribute.Of(name, Encoding.UTF8.GetString(attribute.ReadBytes().Span)); break;
                case 8: OnnxWire.ReadInt64s(attribute, tag, ints); break;
                default: attribute.SkipLastField(); break;
            }
        }
        // The name comes first in the writer's output, so value carries it; integer lists are built at the end.
        return value is not null && value.Name == name ? value
            : ints.Count > 0 || value is null ? OnnxAttribute.Of(name, [.. ints])
            : throw new InvalidDataException($"Attribute '{name}' is not in the form the package writes.");
    }

    private static OnnxTensor ReadTensor(ByteString bytes, OnnxGraph graph)
    {
        var tensor = bytes.CreateCodedInput();
        var dims = new List<long>();
        var strings = new List<string>();
        string name = "";
        var type = OnnxElementType.Float;
        ByteString raw = ByteString.Empty;
        while (tensor.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: OnnxWire.ReadInt64s(tensor, tag, dims); break;
                case 2: type = (OnnxElementType)tensor.ReadInt32(); break;
                case 6: strings.Add(Encoding.UTF8.GetString(tensor.ReadBytes().Span)); break;
                case 8: name = graph.Reserve(tensor.ReadString()); break;
                case 9: raw = tensor.ReadBytes(); break;
                default: tensor.SkipLastField(); break;
            }
        }
        return type switch
        {
            OnnxElementType.Float => new OnnxTensor(name, type, [.. dims], Floats: System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw.Span).ToArray()),
            OnnxElementType.Int64 => new OnnxTensor(name, type, [.. dims], Longs: System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(raw.Span).ToArray()),
            OnnxElementType.String => new OnnxTensor(name, type, [.. dims], Strings: [.. strings]),
            OnnxElementType.Int8 or OnnxElementType.UInt8 => new OnnxTensor(name, type, [.. dims], Bytes: raw.ToByteArray()),
            _ => throw new InvalidDataException($"Initializer '{name}' has element type {(int)type}, which the package does not write."),
        };
    }

    private static OnnxValueInfo ReadValueInfo(ByteString bytes, OnnxGraph graph, bool reserve)
    {
        var info = bytes.CreateCodedInput();
        string name = "";
        var type = OnnxElementType.Float;
        var dims = new List<long?>();
        while (info.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = info.ReadString(); break;
                case 2:
                    var typeProto = info.ReadBytes().CreateCodedInput();
                    while (typeProto.ReadTag() is var t and not 0)
                    {
                        if (WireFormat.GetTagFieldNumber(t) != 1) { typeProto.SkipLastField(); continue; }
                        var tensorType = typeProto.ReadBytes().CreateCodedInput();
                        while (tensorType.ReadTag() is var tt and not 0)
                        {
                            switch (WireFormat.GetTagFieldNumber(tt))
                            {
                                case 1: type = (OnnxElementType)tensorType.ReadInt32(); break;
                                case 2: dims.AddRange(ReadShape(tensorType.ReadBytes())); break;
                                default: tensorType.SkipLastField(); break;
                            }
                        }
                    }
                    break;
                default: info.SkipLastField(); break;
            }
        }
        if (reserve)
            graph.Reserve(name);
        return new OnnxValueInfo(name, type, [.. dims]);
    }

    private static IEnumerable<long?> ReadShape(ByteString bytes)
    {
        var shape = bytes.CreateCodedInput();
        var dims = new List<long?>();
        while (shape.ReadTag() is var tag and not 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1) { shape.SkipLastField(); continue; }
            var dim = shape.ReadBytes().CreateCodedInput();
            long? value = null;
            while (dim.ReadTag() is var d and not 0)
            {
                if (WireFormat.GetTagFieldNumber(d) == 1)
                    value = dim.ReadInt64();
                else
                    dim.SkipLastField();
            }
            dims.Add(value);
        }
        return dims;
    }
}
