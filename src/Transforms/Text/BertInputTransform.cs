using System.Security.Cryptography;
using BigModel.MLNet.Export;
using BigModel.MLNet.Models.Text;
using Microsoft.ML;

namespace BigModel.MLNet.Transforms.Text;

/// <summary>
/// The tokenisation transform for users who feed a BERT-family model themselves (an ONNX model through
/// <c>ApplyOnnxModel</c>, or their own network): one or two text columns become <c>InputIds</c>,
/// <c>AttentionMask</c> and <c>TokenTypeIds</c>, each Int64 × MaxLength, as Hugging Face's Python tokenizers produce them
/// with truncation (longest text first) and padding to MaxLength. Built from savable transforms only: the WordPiece
/// steps of <see cref="WordPiecePipeline"/>, then a small ONNX model that adds [CLS]/[SEP], truncates and pads.
/// </summary>
internal static class BertInputTransform
{
    public const string IdsColumn = "InputIds";
    public const string MaskColumn = "AttentionMask";
    public const string TypesColumn = "TokenTypeIds";

    public static IEstimator<ITransformer> Create(WordPieceEncoder encoder, string textColumn, string? secondTextColumn, int maxLength)
    {
        if (maxLength is < 4 or > WordPieceEncoder.MaxTokens)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"Must be between 4 and {WordPieceEncoder.MaxTokens}.");
        // Its own context: ApplyOnnxModel would otherwise take the caller's GPU setting for this tiny integer model.
        var context = new MLContext();
        var texts = new[] { textColumn, secondTextColumn }.OfType<string>().Select((column, i) => (Column: column, Ids: $"{column}.WordPieceIds")).ToList();
        IEstimator<ITransformer> chain = new Microsoft.ML.Data.EstimatorChain<ITransformer>();
        foreach (var (column, ids) in texts)
            chain = chain.Append(WordPiecePipeline.Create(context, encoder, column, ids));

        var vocabulary = encoder.Vocabulary;
        var assembler = new SequenceAssembler(maxLength, vocabulary.Classification, vocabulary.Separator, vocabulary.Padding);
        var graph = new OnnxGraph();
        var inputs = texts.Select(t => graph.AddInput(t.Ids, OnnxElementType.Int64, null, WordPieceEncoder.MaxTokens)).ToList();
        var (idValues, typeValues, maskValues) = assembler.ExportOnnx(graph, inputs[0], inputs.ElementAtOrDefault(1), trim: false);
        string mask = graph.AddNode("Cast", [maskValues], null, OnnxAttribute.Of("to", (long)OnnxElementType.Int64));
        graph.AddOutput(IdsColumn, idValues, OnnxElementType.Int64, null, maxLength);
        graph.AddOutput(MaskColumn, mask, OnnxElementType.Int64, null, maxLength);
        graph.AddOutput(TypesColumn, typeValues, OnnxElementType.Int64, null, maxLength);
        string modelFile = SharedModelFile(OnnxModelWriter.Write(graph, "BigModel.MLNet"));
        return chain
            .Append(context.Transforms.ApplyOnnxModel([IdsColumn, MaskColumn, TypesColumn], [.. texts.Select(t => t.Ids)], modelFile))
            .Append(context.Transforms.DropColumns([.. texts.Select(t => t.Ids)]));
    }

    /// <remarks>
    /// ML.NET's <c>ApplyOnnxModel</c>, given model bytes, copies them to a temp file on every fit and never deletes it;
    /// given a file, it reads that file (a saved pipeline carries the bytes). The graph depends only on the settings, so
    /// one file per distinct graph, named by its hash, serves every fit and nothing accumulates.
    /// </remarks>
    private static string SharedModelFile(byte[] model)
    {
        string file = Path.Combine(Path.GetTempPath(), $"bigmodel-bert-input-{Convert.ToHexString(SHA256.HashData(model))[..16]}.onnx");
        if (!File.Exists(file))
        {
            // Written aside and renamed, so a concurrent fit never reads half a file; a rename over another writer's
            // copy replaces identical bytes.
            string partial = $"{file}.{Guid.NewGuid():N}";
            File.WriteAllBytes(partial, model);
            File.Move(partial, file, overwrite: true);
        }
        return file;
    }
}
