using System.Globalization;

namespace BigModel.MLNet.Examples;

/// <summary>The examples' command line: data paths first, then "--name value" options.</summary>
internal sealed class ExampleArguments(string[] args)
{
    /// <summary>The positional arguments (data paths), without options and their values.</summary>
    public string[] Paths { get; } = args
        .Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal)))
        .ToArray();

    /// <summary>The value of integer option <paramref name="name"/> (e.g. "--epochs"), or null.</summary>
    public int? Option(string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Prints the training progress that trainers whose log source starts with <paramref name="source"/> report
    /// on the context's log (one line per epoch), and nothing else of ML.NET's log.</summary>
    public static void ShowTrainingLog(Microsoft.ML.MLContext ml, string source) => ml.Log += (_, e) =>
    {
        if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.StartsWith(source, StringComparison.Ordinal))
            Console.WriteLine($"  {e.RawMessage}");
    };

    /// <summary>A path in the shared data folder beside the repository (<c>../shared/data</c>), where the larger datasets live.</summary>
    public static string SharedData(params string[] parts) =>
        Path.GetFullPath(Path.Combine([RepositoryRoot(), "..", "shared", "data", .. parts]));

    /// <summary>The repository's root (where BigModel.MLNet.sln is), for the default data paths.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BigModel.MLNet.sln")))
                return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
