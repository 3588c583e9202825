namespace BigModel.MLNet.Transforms.Text;

/// <summary>
/// The second half of BERT tokenisation: greedy longest-match-first WordPiece. A word is cut into the longest
/// vocabulary piece at its start, then the longest "##" continuation piece, and so on; a word that cannot be cut
/// entirely, or is longer than <see cref="MaxWordLength"/>, becomes one <c>[UNK]</c>.
/// </summary>
/// <remarks>
/// The lookup is a function so the same code serves two places: training and in-process scoring look pieces up in a
/// dictionary; a saved model looks up every candidate piece with ML.NET's <c>MapValueToKey</c> (which stores the
/// vocabulary in the model file) and then runs this cut over the results (<see cref="Candidates"/>).
/// </remarks>
internal static class WordPiece
{
    /// <summary>Longer words become <c>[UNK]</c> (BERT's own limit).</summary>
    public const int MaxWordLength = 100;

    /// <summary>
    /// Pieces longer than this (not counting "##") are never tried; BERT vocabularies have none (the longest in
    /// bert-base-uncased has 19 characters), and the cap keeps a saved model's candidate list short. Lengths here
    /// count UTF-16 units, where Hugging Face counts code points: the two differ only for characters outside the
    /// Basic Multilingual Plane (emoji), which BERT vocabularies map to [UNK] anyway.
    /// </summary>
    public const int MaxPieceLength = 24;

    /// <summary>The continuation prefix of BERT vocabularies.</summary>
    public const string ContinuationPrefix = "##";

    /// <summary>
    /// Appends the ids of <paramref name="word"/>'s pieces. <paramref name="lookup"/> gets the start and end of a
    /// candidate piece and returns its id or −1.
    /// </summary>
    public static void Cut(string word, Func<int, int, int> lookup, int unknown, List<int> ids)
    {
        if (word.Length > MaxWordLength)
        {
            ids.Add(unknown);
            return;
        }
        int firstPiece = ids.Count;
        for (int start = 0; start < word.Length;)
        {
            int found = -1, end = Math.Min(word.Length, start + MaxPieceLength);
            for (; end > start; end--)
            {
                if ((found = lookup(start, end)) >= 0)
                    break;
            }
            if (found < 0)
            {
                ids.RemoveRange(firstPiece, ids.Count - firstPiece);
                ids.Add(unknown);
                return;
            }
            ids.Add(found);
            start = end;
        }
    }

    /// <summary>The text of the piece from <paramref name="start"/> to <paramref name="end"/> ("##" after the first).</summary>
    public static string Piece(string word, int start, int end) =>
        start == 0 ? word[..end] : string.Concat(ContinuationPrefix, word.AsSpan(start, end - start));

    /// <summary>
    /// Every piece <see cref="Cut"/> might look up, word after word, start after start, end after end — the order
    /// <see cref="CandidateIndex"/> walks. Words too long to cut contribute none.
    /// </summary>
    public static IEnumerable<string> Candidates(IEnumerable<string> words)
    {
        foreach (string word in words)
        {
            if (word.Length > MaxWordLength)
                continue;
            for (int start = 0; start < word.Length; start++)
                for (int end = start + 1; end <= Math.Min(word.Length, start + MaxPieceLength); end++)
                    yield return Piece(word, start, end);
        }
    }

    /// <summary>How many candidates <see cref="Candidates"/> lists for <paramref name="word"/>.</summary>
    public static int CandidateCount(string word)
    {
        if (word.Length > MaxWordLength)
            return 0;
        int count = 0;
        for (int start = 0; start < word.Length; start++)
            count += Math.Min(word.Length, start + MaxPieceLength) - start;
        return count;
    }

    /// <summary>Where the piece (<paramref name="start"/>, <paramref name="end"/>) of a word sits in its candidates.</summary>
    public static int CandidateIndex(int wordLength, int start, int end)
    {
        int index = 0;
        for (int s = 0; s < start; s++)
            index += Math.Min(wordLength, s + MaxPieceLength) - s;
        return index + (end - start - 1);
    }
}
