using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Examples.Quality;

/// <summary>
/// A shared tabular dataset in one layout: <c>Label</c> (Single, or Boolean for classification), <c>Numbers</c> (the
/// numeric columns as one vector, NaN where missing) and one text column per categorical column (<c>C0</c>, <c>C1</c>, …),
/// split as the dataset's SOURCE.md suggests.
/// </summary>
internal sealed record TabularSet(string Name, IDataView Train, IDataView Test, string[] Categories, bool Classification);

/// <summary>Reads the shared tabular datasets into <see cref="TabularSet"/>s.</summary>
internal static class TabularData
{
    private sealed record Row(string Label, string[] Numbers, string[] Categories);

    /// <summary>NYC taxi fares: the given train/test files; fares outside [1, 150] dropped from training, as ML.NET's sample does.</summary>
    public static TabularSet TaxiFare(MLContext ml, int? trainRows)
    {
        IEnumerable<Row> Read(string file) => File.ReadLines(ExampleArguments.SharedData("taxi-fare", file)).Skip(1)
            .Select(line => line.Split(','))
            .Select(f => new Row(f[6], [f[2], f[3], f[4]], [f[0], f[1], f[5]]));
        var train = Read("taxi-fare-train.csv").Where(r => Parse(r.Label) is >= 1 and <= 150);
        return Load(ml, "taxi-fare", trainRows is int n ? train.Take(n) : train, Read("taxi-fare-test.csv"), classification: false);
    }

    /// <summary>California housing: i % 5 == 4 is test; 207 missing total_bedrooms stay NaN.</summary>
    public static TabularSet CaliforniaHousing(MLContext ml)
    {
        var rows = File.ReadLines(ExampleArguments.SharedData("california-housing", "housing.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Select(f => new Row(f[8], f[..8], [f[9]])).ToList();
        return Load(ml, "california-housing", rows.Where((_, i) => i % 5 != 4), rows.Where((_, i) => i % 5 == 4), classification: false);
    }

    /// <summary>Red wine quality (regression of the 3–8 score): the duplicate-aware split of its SOURCE.md.</summary>
    public static TabularSet WineQuality(MLContext ml)
    {
        var lines = File.ReadLines(ExampleArguments.SharedData("wine-quality-red", "winequality-red.csv")).Skip(1).ToList();
        var first = new Dictionary<string, int>();
        var test = lines.Select((line, i) => first.TryAdd(line, i) ? i % 5 == 4 : first[line] % 5 == 4).ToList();
        var rows = lines.Select(line => line.Split(';')).Select(f => new Row(f[11], f[..11], [])).ToList();
        return Load(ml, "wine-quality-red", rows.Where((_, i) => !test[i]), rows.Where((_, i) => test[i]), classification: false);
    }

    /// <summary>UCI Adult: the official split (adult.data / adult.test); "?" is a category of its own.</summary>
    public static TabularSet AdultIncome(MLContext ml)
    {
        IEnumerable<Row> Read(string file) => File.ReadLines(ExampleArguments.SharedData("adult-census-income", file))
            .Select(line => line.Split(", "))
            .Where(f => f.Length == 15)
            .Select(f => new Row(f[14].TrimEnd('.') == ">50K" ? "1" : "0", [f[0], f[2], f[4], f[10], f[11], f[12]],
                [f[1], f[3], f[5], f[6], f[7], f[8], f[9], f[13]]));
        return Load(ml, "adult-census-income", Read("adult.data"), Read("adult.test"), classification: true);
    }

    private static float Parse(string value) => float.Parse(value, CultureInfo.InvariantCulture);

    /// <summary>Writes the rows as tab-separated files and loads them with a text loader of the common layout.</summary>
    private static TabularSet Load(MLContext ml, string name, IEnumerable<Row> train, IEnumerable<Row> test, bool classification)
    {
        string folder = Directory.CreateTempSubdirectory($"quality-{name}").FullName;
        var trainRows = train.ToList();
        int numbers = trainRows[0].Numbers.Length, categories = trainRows[0].Categories.Length;
        string Write(string file, IEnumerable<Row> rows)
        {
            string path = Path.Combine(folder, file);
            File.WriteAllLines(path, rows.Select(r => string.Join('\t', [r.Label, .. r.Numbers, .. r.Categories])));
            return path;
        }
        var columns = new List<TextLoader.Column>
        {
            new("Label", classification ? DataKind.Boolean : DataKind.Single, 0),
            new("Numbers", DataKind.Single, 1, numbers),
        };
        string[] names = Enumerable.Range(0, categories).Select(i => $"C{i}").ToArray();
        columns.AddRange(names.Select((c, i) => new TextLoader.Column(c, DataKind.String, 1 + numbers + i)));
        var loader = ml.Data.CreateTextLoader([.. columns], separatorChar: '\t');
        return new TabularSet(name, ml.Data.Cache(loader.Load(Write("train.tsv", trainRows))), ml.Data.Cache(loader.Load(Write("test.tsv", test))),
            names, classification);
    }
}
