using System.Text.RegularExpressions;

namespace BigModel.MLNet.Tests.Native;

/// <summary>
/// TorchSharp 0.107's <c>add(x)</c>, <c>add_(x)</c> and <c>addcdiv(a, b)</c> overloads pass a temporary alpha
/// <c>Scalar</c> that nothing keeps alive, so a finaliser can free it during the native call and libtorch fails at random
/// ("Expected false to be true … toFloat"; docs/native-loading.md). The package passes <c>Scalars.One</c> instead. No
/// test can provoke the race reliably, so this one reads the package's sources for calls that leave the alpha out. It
/// cannot see the <c>+</c> operator on two tensors (which calls <c>add(x)</c>): that needs the types.
/// </summary>
[TestClass]
public class TemporaryScalarTests
{
    // An overload's name and the argument count at which TorchSharp fills in a temporary alpha (or value).
    private static readonly Dictionary<string, int> AlphaLessArity = new() { ["add"] = 1, ["add_"] = 1, ["addcdiv"] = 2, ["addcdiv_"] = 2 };

    private static readonly Regex Call = new(@"\.(add_?|addcdiv_?)\(", RegexOptions.Compiled);

    [TestMethod]
    public void PackageSourcesAlwaysPassTheAlpha()
    {
        var offenders = SourceFiles().SelectMany(file => AlphaLessCalls(File.ReadAllText(file)).Select(line => $"{Path.GetFileName(file)}:{line}")).ToList();
        Assert.AreEqual(0, offenders.Count, "calls that leave TorchSharp a temporary alpha (pass Scalars.One): " + string.Join(", ", offenders));
    }

    [TestMethod]
    public void TheScanFindsACallWithoutAnAlpha()
    {
        CollectionAssert.AreEqual(new[] { 2, 3 }, AlphaLessCalls("var a = x.add(y, Scalars.One);\nvar b = x.add(f(y, z));\nx.addcdiv_(p, q);\nlist.Add(1);").ToList());
    }

    /// <summary>The 1-based line of each call with an alpha-less argument count.</summary>
    private static IEnumerable<int> AlphaLessCalls(string source)
    {
        foreach (Match call in Call.Matches(source))
        {
            if (TopLevelArguments(source, call.Index + call.Length) == AlphaLessArity[call.Groups[1].Value])
                yield return source.Take(call.Index).Count(c => c == '\n') + 1;
        }
    }

    /// <summary>How many comma-separated arguments the call opened just before <paramref name="start"/> has.</summary>
    private static int TopLevelArguments(string source, int start)
    {
        int depth = 0, commas = 0;
        bool any = false;
        for (int i = start; i < source.Length; i++)
        {
            char c = source[i];
            if (c is '(' or '[' or '{')
                depth++;
            else if (c is ')' or ']' or '}')
            {
                if (depth == 0)
                    break;
                depth--;
            }
            else if (c == ',' && depth == 0)
                commas++;
            any |= !char.IsWhiteSpace(c);
        }
        return any ? commas + 1 : 0;
    }

    private static IEnumerable<string> SourceFiles()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "BigModel.MLNet.sln")))
            root = root.Parent;
        Assert.IsNotNull(root, "the repository root (BigModel.MLNet.sln) above " + AppContext.BaseDirectory);
        string src = Path.Combine(root.FullName, "src");
        return Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));
    }
}
