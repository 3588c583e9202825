using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;

namespace BigModel.MLNet.Native;

/// <summary>
/// Makes sure TorchSharp's native libraries load before any tensor is created, and explains
/// clearly what to install when they cannot.
/// </summary>
/// <remarks>
/// TorchSharp 0.107.0 ships a <c>libLibTorchSharp.so</c> built with GCC 13 that asks for
/// <c>GLIBCXX_3.4.32</c>, which Debian 12 and Ubuntu 22.04 lack. The one symbol behind that
/// version is never called, so on such hosts this class loads a copy of the library whose
/// version reference is weak. The copy lives in a cache folder of the application; the NuGet
/// cache and the application's own files are never modified. Hosts whose libstdc++ already
/// provides the version, and other operating systems, are left entirely to TorchSharp.
/// </remarks>
public static class TorchRuntime
{
    private const string LibTorchSharpFile = "libLibTorchSharp.so";
    private static readonly string[] UnusedVersions = ["GLIBCXX_3.4.32"];
    private static readonly object Gate = new();
    private static IntPtr _patchedHandle;
    private static bool _loaded;

    /// <summary>
    /// Loads libtorch through TorchSharp, patching a private copy of LibTorchSharp first when
    /// the host needs it. Safe to call many times; only the first call does work.
    /// </summary>
    /// <exception cref="InvalidOperationException">The native backend cannot be loaded; the
    /// message says why and which package or system library to install.</exception>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded)
                return;
            if (OperatingSystem.IsLinux() && !HostLibStdCxxHas(UnusedVersions[0]))
                LoadPatchedLibTorchSharp();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is InvalidOperationException or DllNotFoundException or NotSupportedException)
            {
                throw new InvalidOperationException(
                    "BigModel.MLNet could not load libtorch through TorchSharp. Add a libtorch package to the " +
                    "application (for CPU on Linux: 'libtorch-cpu-linux-x64' 2.10.0; on Windows 'libtorch-cpu-win-x64'; " +
                    "for CUDA see README 'Choosing CPU or CUDA libtorch'), or put a PyTorch 2.10+ 'lib' folder on " +
                    "LD_LIBRARY_PATH. TorchSharp said: " + e.Message, e);
            }
            _loaded = true;
        }
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static void LoadPatchedLibTorchSharp()
    {
        string original = FindLibTorchSharp() ?? throw new InvalidOperationException(
            $"BigModel.MLNet could not find {LibTorchSharpFile} next to the application or TorchSharp.dll. " +
            "Reference the TorchSharp package (it comes with BigModel.MLNet) and a libtorch package such as " +
            "'libtorch-cpu-linux-x64' 2.10.0.");

        // libtorch itself needs nothing newer than the host has; load it from its own folder so that the
        // patched copy (which lives elsewhere) finds it already in the process.
        var torchAssembly = typeof(torch).Assembly;
        foreach (var name in new[] { "torch_cpu", "torch", "torch_cuda" })
            NativeLibrary.TryLoad(name, torchAssembly, null, out _);

        string patched = PatchedCopyOf(original);
        if (!NativeLibrary.TryLoad(patched, out _patchedHandle))
        {
            throw new InvalidOperationException(
                $"BigModel.MLNet patched '{original}' for this host's older libstdc++ (it lacks GLIBCXX_3.4.32) " +
                $"into '{patched}', but the copy still did not load. Make sure a libtorch package such as " +
                "'libtorch-cpu-linux-x64' 2.10.0 is referenced, or install a libstdc++ from GCC 13 or newer.");
        }
        NativeLibrary.SetDllImportResolver(torchAssembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name is "LibTorchSharp" or "libLibTorchSharp" or LibTorchSharpFile ? _patchedHandle : IntPtr.Zero;

    /// <summary>
    /// The patched copy, in a private cache folder. The bytes are derived afresh from the shipped library on every start
    /// and the cached file is used only if it holds exactly them (else it is rewritten), so a corrupt or planted copy is
    /// never loaded.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static string PatchedCopyOf(string original)
    {
        byte[] patched = File.ReadAllBytes(original);
        string hash = Convert.ToHexString(SHA256.HashData(patched))[..16].ToLowerInvariant();
        ElfVersionPatcher.MarkWeak(patched, UnusedVersions);
        return VerifiedFileCache.Provide($"{hash}-{LibTorchSharpFile}", patched, CacheFolders());
    }

    /// <summary>Where the copy may live, first choice first. No shared temporary folder: another user could plant a file there.</summary>
    private static IEnumerable<string> CacheFolders()
    {
        string? configured = Environment.GetEnvironmentVariable("BIGMODEL_NATIVE_CACHE");
        if (!string.IsNullOrEmpty(configured))
            yield return configured;
        yield return Path.Combine(AppContext.BaseDirectory, "bigmodel-native");
        string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        if (!string.IsNullOrEmpty(local))
            yield return Path.Combine(local, "BigModel.MLNet", "native");
        // Per-user and private by specification (systemd), and writable where the home folder is not.
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime))
            yield return Path.Combine(runtime, "BigModel.MLNet", "native");
    }

    private static string? FindLibTorchSharp()
    {
        var roots = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? "" };
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        foreach (string root in roots.Where(r => r.Length > 0))
        {
            foreach (string candidate in new[] { Path.Combine(root, LibTorchSharpFile), Path.Combine(root, "runtimes", rid, "native", LibTorchSharpFile) })
            {
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }

    /// <summary>Whether the libstdc++ this process uses (or would load) defines <paramref name="version"/>.</summary>
    internal static bool HostLibStdCxxHas(string version)
    {
        string? library = LoadedLibStdCxx() ?? new[]
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib64/libstdc++.so.6",
        }.FirstOrDefault(File.Exists);
        if (library is null)
            return true; // Nothing to inspect: let TorchSharp try and report.
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(library).AsSpan().IndexOf(needle) >= 0;
    }

    private static string? LoadedLibStdCxx()
    {
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(parts => parts.Length >= 6 && parts[^1].Contains("libstdc++.so"))
                .Select(parts => parts[^1])
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
