using BigModel.MLNet.Native;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Native;

[TestClass]
public class TorchRuntimeTests
{
    [TestMethod]
    public void TensorsComputeAfterLoading()
    {
        TorchRuntime.EnsureLoaded();
        using var a = tensor(new float[] { 1, 2, 3 });
        using var b = (a * a).sum();
        Assert.AreEqual(14f, b.item<float>());
    }

    [TestMethod]
    public void PatcherMarksOnlyTheNamedVersionWeak()
    {
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        byte[] bytes = File.ReadAllBytes(library);
        Assert.AreEqual(1, ElfVersionPatcher.MarkWeak(bytes, ["GLIBCXX_3.4.32"]));
        Assert.AreEqual(0, ElfVersionPatcher.MarkWeak(bytes, ["GLIBCXX_3.4.32"]), "a second pass finds nothing left to change");
        Assert.AreEqual(0, ElfVersionPatcher.MarkWeak(bytes, ["NOT_A_VERSION"]));
    }

    [TestMethod]
    public void PatcherRejectsFilesThatAreNotElf()
    {
        Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionPatcher.MarkWeak(new byte[100], ["X"]));
    }
}
