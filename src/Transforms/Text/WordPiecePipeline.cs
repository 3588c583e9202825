using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Transforms.Text;

/// <summary>
/// WordPiece tokenisation built only from transforms ML.NET can save and load: copy the text to
/// <see cref="WordPieceMappings.TextColumn"/>, list candidate pieces, look them up with <c>MapValueToKey</c> (the
/// vocabulary is stored in the model as its key data), cut the words, and copy the ids out. A model saved with it
/// tokenises exactly as <see cref="WordPieceEncoder"/> does (a test compares them).
/// </summary>
internal static class WordPiecePipeline
{
    /// <summary>Tokenises <paramref name="textColumn"/> into <paramref name="idsColumn"/> (Int64 × 512, −1 after the pieces).</summary>
    public static IEstimator<ITransformer> Create(MLContext context, WordPieceEncoder encoder, string textColumn, string idsColumn)
    {
        var vocabulary = context.Data.LoadFromEnumerable(encoder.Vocabulary.Tokens.Select(token => new VocabularyRow { Token = token }));
        bool lower = encoder.LowerCase;
        return context.Transforms.CopyColumns(WordPieceMappings.TextColumn, textColumn)
            .Append(lower
                ? context.Transforms.CustomMapping(new UncasedWordPieceCandidates().GetMapping(), UncasedWordPieceCandidates.ContractName)
                : context.Transforms.CustomMapping(new CasedWordPieceCandidates().GetMapping(), CasedWordPieceCandidates.ContractName))
            .Append(context.Transforms.Conversion.MapValueToKey(WordPieceMappings.CandidateKeysColumn, WordPieceMappings.CandidatesColumn,
                keyData: vocabulary))
            .Append(context.Transforms.Conversion.ConvertType(WordPieceMappings.CandidateKeysColumn, outputKind: DataKind.UInt32))
            .Append(lower
                ? context.Transforms.CustomMapping(new UncasedWordPieceIds().GetMapping(), UncasedWordPieceIds.ContractName)
                : context.Transforms.CustomMapping(new CasedWordPieceIds().GetMapping(), CasedWordPieceIds.ContractName))
            .Append(context.Transforms.CopyColumns(idsColumn, WordPieceMappings.IdsColumn))
            .Append(context.Transforms.DropColumns(WordPieceMappings.TextColumn, WordPieceMappings.CandidatesColumn,
                WordPieceMappings.CandidateKeysColumn, WordPieceMappings.IdsColumn));
    }

    private sealed class VocabularyRow
    {
        public string Token { get; set; } = "";
    }
}
