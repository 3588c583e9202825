namespace BigModel.MLNet.Transforms.Text;

/// <summary>
/// BERT WordPiece tokenisation of one text into vocabulary ids, without special tokens: the model adds <c>[CLS]</c>
/// and <c>[SEP]</c> and truncates to its own maximum length, so one tokenisation serves every model size.
/// </summary>
/// <param name="Vocabulary">The vocabulary pieces come from.</param>
/// <param name="LowerCase">True for uncased vocabularies (lower-case and strip accents first).</param>
internal sealed record WordPieceEncoder(BertVocabulary Vocabulary, bool LowerCase)
{
    /// <summary>
    /// Ids kept per text: BERT's largest position table. Longer texts are cut here; models cut further to their
    /// maximum length. A saved model's tokenisation stores this many ids per text.
    /// </summary>
    public const int MaxTokens = 512;

    /// <summary>The ids of <paramref name="text"/>'s pieces (at most <see cref="MaxTokens"/>); none for empty text.</summary>
    public List<int> Encode(string? text)
    {
        var ids = new List<int>();
        // Candidate pieces are spelled into one buffer ("##" + the piece) and looked up without allocating strings.
        var piece = new char[WordPiece.ContinuationPrefix.Length + WordPiece.MaxPieceLength];
        WordPiece.ContinuationPrefix.CopyTo(piece);
        foreach (string word in BertWords.Split(text, LowerCase))
        {
            WordPiece.Cut(word, (start, end) =>
            {
                if (start == 0)
                    return Vocabulary.IdOf(word.AsSpan(0, end));
                word.AsSpan(start, end - start).CopyTo(piece.AsSpan(WordPiece.ContinuationPrefix.Length));
                return Vocabulary.IdOf(piece.AsSpan(0, WordPiece.ContinuationPrefix.Length + end - start));
            }, Vocabulary.Unknown, ids);
            if (ids.Count >= MaxTokens)
                return ids.GetRange(0, MaxTokens);
        }
        return ids;
    }
}
