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
        foreach (string word in BertWords.Split(text, LowerCase))
        {
            WordPiece.Cut(word, (start, end) => Vocabulary.IdOf(WordPiece.Piece(word, start, end)), Vocabulary.Unknown, ids);
            if (ids.Count >= MaxTokens)
                return ids.GetRange(0, MaxTokens);
        }
        return ids;
    }
}
