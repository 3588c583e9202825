using BigModel.MLNet.Native;

[assembly: Parallelize(Workers = 1, Scope = ExecutionScope.ClassLevel)]

namespace BigModel.MLNet.Tests;

/// <summary>Loads libtorch once for the whole test run, the way an application would.</summary>
[TestClass]
public static class TestAssembly
{
    [AssemblyInitialize]
    public static void LoadNativeBackend(TestContext _) => TorchRuntime.EnsureLoaded();
}
