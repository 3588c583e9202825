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

    // The patched library is loaded into the process, so its cache must not trust what it finds.

    [TestMethod]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void CachedCopyIsRewrittenWhenItsBytesDiffer()
    {
        string folder = Directory.CreateTempSubdirectory("native-cache").FullName;
        try
        {
            byte[] contents = [1, 2, 3, 4, 5];
            string path = VerifiedFileCache.Provide("lib.so", contents, [folder]);
            CollectionAssert.AreEqual(contents, File.ReadAllBytes(path));

            File.WriteAllBytes(path, [1, 2, 3, 4, 6]);   // corrupt, or planted, with the right size
            Assert.AreEqual(path, VerifiedFileCache.Provide("lib.so", contents, [folder]));
            CollectionAssert.AreEqual(contents, File.ReadAllBytes(path), "repaired, not trusted");
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [TestMethod]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void FoldersOthersCanWriteToArePassedOverAndNamed()
    {
        string shared = Directory.CreateTempSubdirectory("native-shared").FullName;
        string own = Path.Combine(Directory.CreateTempSubdirectory("native-own").FullName, "cache");
        try
        {
            File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_111); // 0777, like /tmp without the sticky bit
            string path = VerifiedFileCache.Provide("lib.so", [7], [shared, own]);
            Assert.AreEqual(Path.Combine(own, "lib.so"), path, "the world-writable folder is skipped");
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(own),
                "a folder the cache creates is private");

            var error = Assert.ThrowsExactly<InvalidOperationException>(() => VerifiedFileCache.Provide("lib.so", [7], [shared]));
            StringAssert.Contains(error.Message, shared);
            StringAssert.Contains(error.Message, "other users can write to it");
            StringAssert.Contains(error.Message, "BIGMODEL_NATIVE_CACHE");
        }
        finally
        {
            Directory.Delete(shared, true);
            Directory.Delete(Path.GetDirectoryName(own)!, true);
        }
    }
}
