using BigModel.MLNet.Export;
using BigModel.MLNet.Glue.Columns;
using Microsoft.ML;

namespace BigModel.MLNet.Glue.Inputs;

/// <summary>
/// A key column: rows become int64 index tensors [rows]; its size is the key count. In ONNX the input is UInt32
/// [rows, 1] (what ML.NET's <c>OnnxTransformer</c> passes for a key) and is cast to int64 indices [rows].
/// </summary>
internal sealed class KeyInput(string columnName) : ModelInput(columnName)
{
    public override int SizeOf(DataViewSchema.Column column) => KeyColumnReader.KeyCount(column);

    public override BatchColumnReader CreateReader(DataViewRow row, DataViewSchema.Column column, int capacity, bool training) =>
        new KeyColumnReader(row, column, capacity);

    public override string DeclareOnnx(OnnxGraph graph, int size)
    {
        string input = graph.AddInput(ColumnName, OnnxElementType.UInt32, null, 1);
        string indices = graph.AddNode("Cast", [input], null, OnnxAttribute.Of("to", (long)OnnxElementType.Int64));
        return graph.AddNode("Reshape", [indices, graph.AddInitializer("rows", [-1L], 1)]);
    }
}
