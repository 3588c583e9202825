using Microsoft.ML;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>
/// A keyword task for text classifiers: sentences of filler words with one sentiment word somewhere; the label says
/// whether it is a positive one. A bag-of-words model solves it, so a working encoder must learn it quickly.
/// </summary>
internal static class SyntheticText
{
    public static readonly string[] Positive = ["great", "excellent", "love"];
    public static readonly string[] Negative = ["awful", "bad", "hate"];
    public static readonly string[] Filler = ["the", "food", "was", "service", "and", "place", "staff", "we", "it", "very", "really", "table", "menu", "night", "again"];

    public sealed class Row
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }

    public static IEnumerable<Row> Generate(int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var words = Enumerable.Range(0, random.Next(3, 12)).Select(_ => Filler[random.Next(Filler.Length)]).ToList();
            bool positive = random.Next(2) == 0;
            var keywords = positive ? Positive : Negative;
            words.Insert(random.Next(words.Count + 1), keywords[random.Next(keywords.Length)]);
            yield return new Row { Text = string.Join(' ', words), Label = positive };
        }
    }

    public static IDataView Load(MLContext ml, int count, int seed) => ml.Data.LoadFromEnumerable(Generate(count, seed).ToList());

    /// <summary>
    /// Writes a small uncased vocabulary: the special tokens, every word above, and single letters with their "##"
    /// continuations so that any lower-case word can be cut into pieces.
    /// </summary>
    public static string WriteVocabulary(string folder)
    {
        Directory.CreateDirectory(folder);
        var letters = Enumerable.Range('a', 26).Select(c => ((char)c).ToString()).ToList();
        var tokens = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!" }
            .Concat(Positive).Concat(Negative).Concat(Filler).Concat(letters).Concat(letters.Select(l => "##" + l)).Append("##ing");
        string path = Path.Combine(folder, "vocab.txt");
        File.WriteAllLines(path, tokens);
        return path;
    }
}
