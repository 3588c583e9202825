namespace BigModel.MLNet.Transforms.Text;

/// <summary>
/// A BERT WordPiece vocabulary (<c>vocab.txt</c>: one token per line, the line number is the id) with the ids of the
/// special tokens the models need.
/// </summary>
public sealed class BertVocabulary
{
    private readonly Dictionary<string, int> _ids;

    private BertVocabulary(string[] tokens, string source)
    {
        Tokens = tokens;
        _ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int id = 0; id < tokens.Length; id++)
        {
            // The saved tokenisation maps pieces with ML.NET's MapValueToKey, whose keys follow first occurrences: a
            // repeated token would shift every later id, so a vocabulary with one is refused rather than mis-read.
            if (tokens[id].Length == 0)
                throw new InvalidDataException($"Vocabulary '{source}' has an empty token on line {id + 1}; every line must hold one token.");
            if (!_ids.TryAdd(tokens[id], id))
                throw new InvalidDataException($"Vocabulary '{source}' lists '{tokens[id]}' twice (lines {_ids[tokens[id]] + 1} and {id + 1}).");
        }
        Source = source;
        Unknown = Require(UnknownToken);
        Classification = Require(ClassificationToken);
        Separator = Require(SeparatorToken);
        Padding = Require(PaddingToken);
    }

    /// <summary>The token for pieces the vocabulary lacks.</summary>
    public const string UnknownToken = "[UNK]";
    /// <summary>The token that starts every sequence (its final state feeds [CLS] pooling).</summary>
    public const string ClassificationToken = "[CLS]";
    /// <summary>The token that ends each text of a sequence.</summary>
    public const string SeparatorToken = "[SEP]";
    /// <summary>The token that fills sequences up to a fixed length.</summary>
    public const string PaddingToken = "[PAD]";

    /// <summary>Where the vocabulary came from (a file path), for messages.</summary>
    public string Source { get; }

    /// <summary>Every token, by id.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The number of tokens (the encoder's embedding rows).</summary>
    public int Count => Tokens.Count;

    /// <summary>The id of <c>[UNK]</c>.</summary>
    public int Unknown { get; }
    /// <summary>The id of <c>[CLS]</c>.</summary>
    public int Classification { get; }
    /// <summary>The id of <c>[SEP]</c>.</summary>
    public int Separator { get; }
    /// <summary>The id of <c>[PAD]</c>.</summary>
    public int Padding { get; }

    /// <summary>The id of <paramref name="token"/>, or −1 when the vocabulary lacks it.</summary>
    public int IdOf(string token) => _ids.TryGetValue(token, out int id) ? id : -1;

    /// <summary>The id of the token spelled by <paramref name="token"/>, or −1 (no string is allocated).</summary>
    public int IdOf(ReadOnlySpan<char> token) => _ids.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token, out int id) ? id : -1;

    /// <summary>Reads a <c>vocab.txt</c> file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist (the message names it).</exception>
    /// <exception cref="InvalidDataException">The file is empty, has an empty line, repeats a token, or lacks a special token.</exception>
    public static BertVocabulary Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The WordPiece vocabulary file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Reads a vocabulary from a stream (e.g. a manifest resource); <paramref name="source"/> names it in messages.</summary>
    public static BertVocabulary Load(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var tokens = new List<string>();
        using var reader = new StreamReader(stream, leaveOpen: true);
        while (reader.ReadLine() is { } line)
            tokens.Add(line.TrimEnd('\r')); // as Hugging Face reads vocab.txt: the line is the token
        while (tokens.Count > 0 && tokens[^1].Length == 0)
            tokens.RemoveAt(tokens.Count - 1);
        if (tokens.Count == 0)
            throw new InvalidDataException($"Vocabulary '{source}' is empty.");
        return new BertVocabulary([.. tokens], source);
    }

    private int Require(string token) => IdOf(token) is var id and >= 0 ? id
        : throw new InvalidDataException($"Vocabulary '{Source}' has no '{token}' token; BERT vocabularies need [PAD], [UNK], [CLS] and [SEP].");
}
