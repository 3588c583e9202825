using BigModel.MLNet.Export;
using BigModel.MLNet.Glue.Columns;
using Microsoft.ML;

namespace BigModel.MLNet.Glue.Inputs;

/// <summary>A known-size vector of <c>Single</c>: rows become [rows, width] float tensors.</summary>
internal sealed class FloatVectorInput(string columnName) : ModelInput(columnName)
{
    public override int SizeOf(DataViewSchema.Column column) => FloatVectorColumnReader.WidthOf(column);

    public override BatchColumnReader CreateReader(DataViewRow row, DataViewSchema.Column column, int capacity, bool training) =>
        new FloatVectorColumnReader(row, column, capacity, rejectNonFinite: training);

    public override string DeclareOnnx(OnnxGraph graph, int size) => graph.AddInput(ColumnName, OnnxElementType.Float, null, size);
}
