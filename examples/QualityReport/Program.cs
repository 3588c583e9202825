// The quality report: every model kind of the package on every shared real dataset, beside ML.NET's strongest
// one-line baseline on the same split in the same run. Writes docs/quality.md and prints one JSON line per dataset.
//
//   dotnet run --project examples/QualityReport -c Release -- [--quick] [--only taxi-fare,adult-census-income,…]
//
// --quick trains on subsets with few epochs (a smoke test for CI); the full run takes under an hour on 2 cores and is
// the only one that rewrites docs/quality.md.
using System.Diagnostics;
using BigModel.MLNet.Examples;
using BigModel.MLNet.Examples.Quality;
using Microsoft.ML;

// "--epochs" is the short-run flag examples/run.sh passes to every example (CI): the report then runs quick too.
bool quick = args.Contains("--quick") || args.Contains("--epochs");
int only = Array.IndexOf(args, "--only");
var selected = only >= 0 && only + 1 < args.Length ? args[only + 1].Split(',').ToHashSet() : null;
var clock = Stopwatch.StartNew();
var report = new Report();
var ml = new MLContext(seed: 1);

// Each suite with the folder its data is read from: ../shared/data/<name> unless given.
var suites = new (string Name, Action Run, string? Folder)[]
{
    ("taxi-fare", () => TabularSuite.Run(TabularData.TaxiFare(ml, quick ? 5_000 : null), report), null),
    ("california-housing", () => TabularSuite.Run(TabularData.CaliforniaHousing(ml), report), null),
    ("wine-quality-red", () => TabularSuite.Run(TabularData.WineQuality(ml), report), null),
    ("adult-census-income", () => TabularSuite.Run(TabularData.AdultIncome(ml), report), null),
    ("fashion-mnist", () => FashionSuite.Run(quick, report), FashionSuite.Folder),
    ("flowers-small", () => ImageSuite.Run("flowers-small", ExampleArguments.SharedData("flowers-small"), 224, 64, quick, report), null),
    ("sign-language-digits", () => ImageSuite.Run("sign-language-digits", ExampleArguments.SharedData("sign-language-digits"), 128, 64, quick, report), null),
    ("sentiment-yelp", () => TextSuite.Yelp(report, quick), null),
    ("wikipedia-detox-250", () => TextSuite.Detox(report, quick), null),
    ("github-issues-corefx", () => TextSuite.GitHubIssues(report, quick), null),
    ("movietweetings-100k", () => RecommenderSuite.Run(report, quick), null),
};
foreach (var (name, run, folder) in suites.Where(s => selected is null || selected.Contains(s.Name)))
{
    string data = folder ?? ExampleArguments.SharedData(name);
    if (!Directory.Exists(data))
    {
        Console.WriteLine($"== {name} skipped: its data is expected in {data}");
        continue;
    }
    Console.WriteLine($"== {name}");
    run();
}

string command = "dotnet run --project examples/QualityReport -c Release --" + (args.Length > 0 ? " " + string.Join(' ', args) : "");
if (!quick && selected is null)
{
    string path = Path.Combine(ExampleArguments.RepositoryRoot(), "docs", "quality.md");
    File.WriteAllText(path, QualityPage.Render(report.ToMarkdown(command, clock.Elapsed)));
    Console.WriteLine($"Wrote {path}");
}
else
{
    Console.WriteLine(report.ToMarkdown(command, clock.Elapsed));
}
