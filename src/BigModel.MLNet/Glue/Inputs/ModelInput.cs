using BigModel.MLNet.Export;
using BigModel.MLNet.Glue.Columns;
using Microsoft.ML;

namespace BigModel.MLNet.Glue.Inputs;

/// <summary>
/// One column a network reads: how to check it, how big it is (a vector's width, a key's count), how to read it in
/// batches, and how it enters the exported ONNX graph. A model is a list of these plus a label.
/// </summary>
internal abstract class ModelInput(string columnName)
{
    public string ColumnName { get; } = columnName;

    /// <summary>The exported model's input for this column: the column's name unless the model reads a derived column.</summary>
    public virtual string OnnxName => ColumnName;

    /// <summary>The column and its size, for the training log ("Features 32").</summary>
    public virtual string Describe(int size) => $"{ColumnName} {size}";

    /// <summary>Checks the column's type and returns its size; the error names the column.</summary>
    public abstract int SizeOf(DataViewSchema.Column column);

    /// <summary>A reader of the column; <paramref name="training"/> readers reject values the model cannot learn from
    /// (NaN), scoring readers pass them to the model (see README, "Bad input").</summary>
    public abstract BatchColumnReader CreateReader(DataViewRow row, DataViewSchema.Column column, int capacity, bool training);

    /// <summary>Declares the graph input (named after the column) and returns the name of a value the network consumes.</summary>
    public abstract string DeclareOnnx(OnnxGraph graph, int size);

    /// <summary>
    /// Transforms a saved model runs before its ONNX model to compute <see cref="OnnxName"/> from the column (built from
    /// transforms ML.NET can save), or null when the model reads the column as it is.
    /// </summary>
    public virtual IEstimator<ITransformer>? PersistedPreparation(MLContext context) => null;
}
