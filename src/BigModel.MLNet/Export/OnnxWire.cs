using Google.Protobuf;

namespace BigModel.MLNet.Export;

/// <summary>
/// Pieces of the ONNX protobuf wire format both readers use (<see cref="OnnxModelReader"/> for weight import,
/// <see cref="OnnxGraphReader"/> for the package's own graphs); field numbers from the ONNX specification's onnx.proto.
/// </summary>
internal static class OnnxWire
{
    /// <summary>
    /// A <c>NodeProto</c>: operator, inputs, outputs (each passed through <paramref name="output"/>) and the attributes
    /// <paramref name="readAttribute"/> keeps (null drops one).
    /// </summary>
    public static OnnxNode ReadNode(ByteString bytes, Func<ByteString, OnnxAttribute?> readAttribute, Func<string, string> output)
    {
        var node = bytes.CreateCodedInput();
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new List<OnnxAttribute>();
        string op = "";
        while (node.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: inputs.Add(node.ReadString()); break;
                case 2: outputs.Add(output(node.ReadString())); break;
                case 4: op = node.ReadString(); break;
                case 5: if (readAttribute(node.ReadBytes()) is { } attribute) attributes.Add(attribute); break;
                default: node.SkipLastField(); break;
            }
        }
        return new OnnxNode(op, [.. inputs], [.. outputs], [.. attributes]);
    }

    /// <summary>A repeated int64 field just read as <paramref name="tag"/>, packed or not, appended to <paramref name="into"/>.</summary>
    public static void ReadInt64s(CodedInputStream input, uint tag, List<long> into)
    {
        if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
        {
            into.Add(input.ReadInt64());
            return;
        }
        var packed = input.ReadBytes().CreateCodedInput();
        while (!packed.IsAtEnd)
            into.Add(packed.ReadInt64());
    }
}
