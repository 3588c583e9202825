using Microsoft.ML.Tokenizers;

namespace BigModel.MLNet.Transforms.Text;

/// <summary>
/// The first half of BERT tokenisation, which needs no vocabulary: clean the text, optionally lower-case it and strip
/// accents, split CJK characters, then split on white space and punctuation. It is <c>Microsoft.ML.Tokenizers</c>'
/// BERT normaliser and pre-tokeniser, so words come out exactly as its <c>BertTokenizer</c> sees them.
/// </summary>
internal static class BertWords
{
    // The normaliser and pre-tokeniser do not depend on the vocabulary, but BertTokenizer is their only public door and
    // it wants one: a vocabulary of the special tokens suffices. Saved models split words with this same code.
    private static readonly Lazy<BertTokenizer> Uncased = new(() => Create(lowerCase: true));
    private static readonly Lazy<BertTokenizer> Cased = new(() => Create(lowerCase: false));

    /// <summary>The words of <paramref name="text"/>; an empty or null text has none.</summary>
    public static List<string> Split(string? text, bool lowerCase)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text))
            return words;
        var tokenizer = (lowerCase ? Uncased : Cased).Value;
        string normalized = tokenizer.Normalizer!.Normalize(WellFormed(text));
        foreach (var (offset, length) in tokenizer.PreTokenizer!.PreTokenize(normalized))
            words.Add(normalized.Substring(offset, length));
        return words;
    }

    /// <summary>
    /// <paramref name="text"/> with every lone UTF-16 surrogate replaced by U+FFFD, as decoding it to UTF-8 would do
    /// (Python strings cannot hold one; Unicode normalisation rejects it). Any .NET string is thus valid input.
    /// </summary>
    internal static string WellFormed(string text)
    {
        int bad = FirstLoneSurrogate(text, 0);
        if (bad < 0)
            return text;
        var chars = text.ToCharArray();
        for (; bad >= 0; bad = FirstLoneSurrogate(text, bad + 1))
            chars[bad] = '\uFFFD';
        return new string(chars);
    }

    private static int FirstLoneSurrogate(string text, int start)
    {
        for (int i = start; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++; // a valid pair
            else if (char.IsSurrogate(text[i]))
                return i;
        }
        return -1;
    }

    /// <summary>
    /// Options matching Hugging Face's BERT tokenizers: uncased vocabularies lower-case and strip accents, cased ones do
    /// neither. Special tokens written in the text ("[SEP]") are ordinary words, so user text cannot inject them.
    /// </summary>
    internal static BertOptions Options(bool lowerCase) => new()
    {
        LowerCaseBeforeTokenization = lowerCase,
        RemoveNonSpacingMarks = lowerCase,
        SplitOnSpecialTokens = false,
    };

    private static BertTokenizer Create(bool lowerCase)
    {
        string specials = string.Join('\n', BertVocabulary.PaddingToken, BertVocabulary.UnknownToken,
            BertVocabulary.ClassificationToken, BertVocabulary.SeparatorToken, "[MASK]");
        using var vocabulary = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(specials));
        return BertTokenizer.Create(vocabulary, Options(lowerCase));
    }
}
