using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BigModel.MLNet.Examples.Quality;

/// <summary>One line of the quality table: a model of the package against ML.NET's baseline on the same split.</summary>
/// <param name="Dataset">The shared dataset.</param>
/// <param name="Model">The package's model and settings ("MLP, defaults").</param>
/// <param name="Metric">What is compared ("RMSE", "accuracy").</param>
/// <param name="Ours">The package's value.</param>
/// <param name="Baseline">ML.NET's value on the same split, in the same run.</param>
/// <param name="BaselineName">Which ML.NET model that is.</param>
/// <param name="Minutes">The package model's training time.</param>
/// <param name="LowerIsBetter">True for errors (RMSE), false for accuracies.</param>
internal sealed record ReportRow(string Dataset, string Model, string Metric, double Ours, double Baseline, string BaselineName, double Minutes, bool LowerIsBetter)
{
    /// <summary>Ours / baseline: below 1 wins for errors, above 1 for accuracies.</summary>
    public double Ratio => Ours / Baseline;

    public bool Wins => LowerIsBetter ? Ours <= Baseline : Ours >= Baseline;
}

/// <summary>Collects rows, prints one JSON line per dataset, and writes the markdown table.</summary>
internal sealed class Report
{
    private readonly List<ReportRow> _rows = [];
    private readonly List<string> _notes = [];

    public IReadOnlyList<ReportRow> Rows => _rows;

    public void Add(ReportRow row)
    {
        _rows.Add(row);
        Console.WriteLine($"  {row.Dataset} · {row.Model}: {row.Metric} {row.Ours:G4} vs {row.BaselineName} {row.Baseline:G4} (ratio {row.Ratio:F3}, {row.Minutes:F1} min)");
    }

    /// <summary>A finding that is not a score against a baseline (a training curve's behaviour), listed under the table.</summary>
    public void Note(string note)
    {
        _notes.Add(note);
        Console.WriteLine($"  {note}");
    }

    /// <summary>Prints the dataset's rows as one JSON line.</summary>
    public void PrintDataset(string dataset) => Console.WriteLine(JsonSerializer.Serialize(new
    {
        dataset,
        results = _rows.Where(r => r.Dataset == dataset).Select(r => new
        {
            model = r.Model, metric = r.Metric, ours = Math.Round(r.Ours, 4), baseline = Math.Round(r.Baseline, 4),
            baseline_model = r.BaselineName, ratio = Math.Round(r.Ratio, 3), minutes = Math.Round(r.Minutes, 2),
        }),
    }));

    public string ToMarkdown(string command, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine("| dataset | model | metric | ours | ML.NET baseline | baseline | ratio | minutes |");
        text.AppendLine("| -- | -- | -- | -- | -- | -- | -- | -- |");
        foreach (var r in _rows)
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Dataset} | {r.Model} | {r.Metric} | {(r.Wins ? "**" : "")}{r.Ours:G4}{(r.Wins ? "**" : "")} | {r.BaselineName} | {r.Baseline:G4} | {r.Ratio:F3} | {r.Minutes:F1} |"));
        text.AppendLine();
        foreach (var note in _notes)
            text.AppendLine($"- {note}");
        if (_notes.Count > 0)
            text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Command: `{command}` — {elapsed.TotalMinutes:F0} minutes on this machine ({Environment.ProcessorCount} cores)."));
        return text.ToString();
    }
}
