using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace BigModel.MLNet.Transforms.Text;

/// <summary>
/// The two vocabulary-free steps of a saved WordPiece tokenisation (see <see cref="WordPiecePipeline"/>): list every
/// candidate piece of a text, and, once ML.NET's <c>MapValueToKey</c> has looked them up, cut the words greedily.
/// ML.NET saves a custom mapping by name only, so these hold no state; the vocabulary lives in the key mapping.
/// </summary>
public static class WordPieceMappings
{
    /// <summary>The text column the mappings read (the pipeline copies the user's column to it).</summary>
    public const string TextColumn = "WordPieceText";
    /// <summary>The candidate pieces column.</summary>
    public const string CandidatesColumn = "WordPieceCandidates";
    /// <summary>The candidates' vocabulary keys (0 = not in the vocabulary).</summary>
    public const string CandidateKeysColumn = "WordPieceCandidateKeys";
    /// <summary>The resulting ids, −1 after the text's last piece.</summary>
    public const string IdsColumn = "WordPieceIds";

    /// <summary>A text.</summary>
    public sealed class TextRow
    {
        /// <summary>The text to tokenise.</summary>
        public string? WordPieceText { get; set; }
    }

    /// <summary>Every candidate piece of a text, <c>[UNK]</c> first.</summary>
    public sealed class CandidatesRow
    {
        /// <summary>The candidates.</summary>
        [VectorType] public string[] WordPieceCandidates { get; set; } = [];
    }

    /// <summary>A text with its candidates' keys.</summary>
    public sealed class KeyedTextRow
    {
        /// <summary>The text to tokenise.</summary>
        public string? WordPieceText { get; set; }
        /// <summary>Key of each candidate (vocabulary id + 1; 0 = unknown).</summary>
        [VectorType] public uint[] WordPieceCandidateKeys { get; set; } = [];
    }

    /// <summary>A text's ids.</summary>
    public sealed class IdsRow
    {
        /// <summary><see cref="WordPieceEncoder.MaxTokens"/> ids: the pieces, then −1.</summary>
        [VectorType(WordPieceEncoder.MaxTokens)] public long[] WordPieceIds { get; set; } = [];
    }

    // Every word yields at least one id, so words past the first MaxTokens can never be used: they get no candidates.
    internal static void ListCandidates(TextRow input, CandidatesRow output, bool lowerCase) =>
        output.WordPieceCandidates = [BertVocabulary.UnknownToken,
            .. WordPiece.Candidates(BertWords.Split(input.WordPieceText, lowerCase).Take(WordPieceEncoder.MaxTokens))];

    internal static void CutWords(KeyedTextRow input, IdsRow output, bool lowerCase)
    {
        uint[] keys = input.WordPieceCandidateKeys;
        int unknown = (int)keys[0] - 1;
        var ids = new List<int>();
        int offset = 1;
        foreach (string word in BertWords.Split(input.WordPieceText, lowerCase))
        {
            int first = offset;
            WordPiece.Cut(word, (start, end) => (int)keys[first + WordPiece.CandidateIndex(word.Length, start, end)] - 1, unknown, ids);
            offset += WordPiece.CandidateCount(word);
            if (ids.Count >= WordPieceEncoder.MaxTokens)
                break;
        }
        var padded = new long[WordPieceEncoder.MaxTokens];
        Array.Fill(padded, -1L);
        for (int i = 0; i < Math.Min(ids.Count, padded.Length); i++)
            padded[i] = ids[i];
        output.WordPieceIds = padded;
    }
}

/// <summary>Lists candidate pieces for an uncased vocabulary. Used by saved models.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class UncasedWordPieceCandidates : CustomMappingFactory<WordPieceMappings.TextRow, WordPieceMappings.CandidatesRow>
{
    /// <summary>The name ML.NET records in saved models.</summary>
    public const string ContractName = "BigModel.MLNet.WordPieceCandidates.Uncased";
    /// <inheritdoc />
    public override Action<WordPieceMappings.TextRow, WordPieceMappings.CandidatesRow> GetMapping() =>
        static (input, output) => WordPieceMappings.ListCandidates(input, output, lowerCase: true);
}

/// <summary>Lists candidate pieces for a cased vocabulary. Used by saved models.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class CasedWordPieceCandidates : CustomMappingFactory<WordPieceMappings.TextRow, WordPieceMappings.CandidatesRow>
{
    /// <summary>The name ML.NET records in saved models.</summary>
    public const string ContractName = "BigModel.MLNet.WordPieceCandidates.Cased";
    /// <inheritdoc />
    public override Action<WordPieceMappings.TextRow, WordPieceMappings.CandidatesRow> GetMapping() =>
        static (input, output) => WordPieceMappings.ListCandidates(input, output, lowerCase: false);
}

/// <summary>Cuts words into ids for an uncased vocabulary. Used by saved models.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class UncasedWordPieceIds : CustomMappingFactory<WordPieceMappings.KeyedTextRow, WordPieceMappings.IdsRow>
{
    /// <summary>The name ML.NET records in saved models.</summary>
    public const string ContractName = "BigModel.MLNet.WordPieceIds.Uncased";
    /// <inheritdoc />
    public override Action<WordPieceMappings.KeyedTextRow, WordPieceMappings.IdsRow> GetMapping() =>
        static (input, output) => WordPieceMappings.CutWords(input, output, lowerCase: true);
}

/// <summary>Cuts words into ids for a cased vocabulary. Used by saved models.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class CasedWordPieceIds : CustomMappingFactory<WordPieceMappings.KeyedTextRow, WordPieceMappings.IdsRow>
{
    /// <summary>The name ML.NET records in saved models.</summary>
    public const string ContractName = "BigModel.MLNet.WordPieceIds.Cased";
    /// <inheritdoc />
    public override Action<WordPieceMappings.KeyedTextRow, WordPieceMappings.IdsRow> GetMapping() =>
        static (input, output) => WordPieceMappings.CutWords(input, output, lowerCase: false);
}
