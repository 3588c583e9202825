using BigModel.MLNet.Export;
using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Transforms.Text;
using Microsoft.ML;

namespace BigModel.MLNet.Glue.Inputs;

/// <summary>
/// A text column, tokenised into WordPiece ids (int64, −1 after the text's pieces). In ONNX the input is the ids,
/// [rows, 512], named <c>&lt;column&gt;.WordPieceIds</c>; a saved model computes them with <see cref="WordPiecePipeline"/>.
/// </summary>
internal sealed class TextInput(string columnName, WordPieceEncoder encoder) : ModelInput(columnName)
{
    public WordPieceEncoder Encoder { get; } = encoder;

    public override string OnnxName => ColumnName + ".WordPieceIds";

    public override string Describe(int size) => $"{ColumnName} text, {Encoder.Vocabulary.Count}-token vocabulary";

    public override int SizeOf(DataViewSchema.Column column)
    {
        TextColumnReader.RequireText(column);
        return WordPieceEncoder.MaxTokens;
    }

    public override BatchColumnReader CreateReader(DataViewRow row, DataViewSchema.Column column, int capacity, bool training) =>
        new TextColumnReader(row, column, capacity, Encoder, OnnxName);

    public override string DeclareOnnx(OnnxGraph graph, int size) => graph.AddInput(OnnxName, OnnxElementType.Int64, null, size);

    public override IEstimator<ITransformer> PersistedPreparation(MLContext context) =>
        WordPiecePipeline.Create(context, Encoder, ColumnName, OnnxName);
}
