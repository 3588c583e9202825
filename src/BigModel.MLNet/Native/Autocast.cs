using TorchSharp;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace BigModel.MLNet.Native;

/// <summary>
/// libtorch's automatic mixed precision (autocast), switched on for the calling thread. Inside a scope, the libtorch
/// dispatcher runs matrix products, linear layers, attention and convolutions in bfloat16 and the operations its
/// device's list names (on CUDA: normalisation, softmax, reductions, losses) in float32, casting inputs as each
/// operation needs; the casts are part of the autograd graph, so gradients reach the float32 weights. That is mixed
/// precision with float32 master weights, and nothing in the network changes: saved and exported models stay float32.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 has no autocast of its own (checked in its sources), but libtorch exports the C++ functions that
/// PyTorch's <c>torch.autocast</c> calls; they are looked up by their Itanium-ABI names (Linux and macOS builds of
/// libtorch 2.4 and later). Autocast state is per thread, like PyTorch's, so a scope covers only the training thread.
/// </remarks>
internal sealed class Autocast : IDisposable
{
    private readonly sbyte _deviceType;
    private readonly bool _wasEnabled;
    private readonly sbyte _previousType;
    private bool _disposed;

    private Autocast(DeviceType device)
    {
        var api = Api.Value;
        _deviceType = (sbyte)device;
        _wasEnabled = api.IsEnabled(_deviceType) != 0;
        _previousType = api.GetDtype(_deviceType);
        api.SetEnabled(_deviceType, 1);
        api.SetDtype(_deviceType, (sbyte)ScalarType.BFloat16);
        api.IncrementNesting();
    }

    /// <summary>Whether this process's libtorch exposes autocast (false on builds whose names differ, such as Windows).</summary>
    public static bool IsAvailable => Api.Value.IsLoaded;

    /// <summary>
    /// Starts bfloat16 autocast on <paramref name="device"/>'s kind for this thread; disposing restores the previous
    /// state and, when the outermost scope ends, drops the weights' bfloat16 copies cached during the scope (they are
    /// stale after the next optimiser step).
    /// </summary>
    /// <exception cref="NotSupportedException">This libtorch does not expose autocast to the package.</exception>
    public static Autocast BFloat16(Device device)
    {
        if (!IsAvailable)
            throw new NotSupportedException(
                "bfloat16 mixed precision needs libtorch's autocast functions, which the package finds by their Linux/macOS " +
                "(Itanium ABI) names in libtorch 2.4 or later; this libtorch does not expose them. Train in float32 " +
                "(Precision = TrainingPrecision.Float32).");
        return new Autocast(device.type);
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        var api = Api.Value;
        if (api.DecrementNesting() == 0)
            api.ClearCache();
        api.SetEnabled(_deviceType, (byte)(_wasEnabled ? 1 : 0));
        api.SetDtype(_deviceType, _previousType);
    }

    private static readonly Lazy<AutocastApi> Api = new(AutocastApi.Find);

    /// <summary>The libtorch functions, resolved once from the loaded <c>torch_cpu</c> library.</summary>
    private sealed unsafe class AutocastApi
    {
        public bool IsLoaded { get; private init; }
        private delegate* unmanaged<sbyte, byte> _isEnabled;
        private delegate* unmanaged<sbyte, byte, void> _setEnabled;
        private delegate* unmanaged<sbyte, sbyte> _getDtype;
        private delegate* unmanaged<sbyte, sbyte, void> _setDtype;
        private delegate* unmanaged<void> _incrementNesting;
        private delegate* unmanaged<int> _decrementNesting;
        private delegate* unmanaged<void> _clearCache;

        public byte IsEnabled(sbyte device) => _isEnabled(device);
        public void SetEnabled(sbyte device, byte enabled) => _setEnabled(device, enabled);
        public sbyte GetDtype(sbyte device) => _getDtype(device);
        public void SetDtype(sbyte device, sbyte type) => _setDtype(device, type);
        public void IncrementNesting() => _incrementNesting();
        public int DecrementNesting() => _decrementNesting();
        public void ClearCache() => _clearCache();

        public static AutocastApi Find()
        {
            TorchRuntime.EnsureLoaded();
            if (!NativeLibrary.TryLoad("torch_cpu", typeof(TorchSharp.torch).Assembly, null, out var library))
                return new AutocastApi();
            IntPtr Export(string name) => NativeLibrary.TryGetExport(library, name, out var address) ? address : IntPtr.Zero;
            // at::autocast::… (c10::DeviceType and c10::ScalarType are 8-bit enums).
            IntPtr isEnabled = Export("_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE");
            IntPtr setEnabled = Export("_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb");
            IntPtr getDtype = Export("_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE");
            IntPtr setDtype = Export("_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE");
            IntPtr increment = Export("_ZN2at8autocast17increment_nestingEv");
            IntPtr decrement = Export("_ZN2at8autocast17decrement_nestingEv");
            IntPtr clear = Export("_ZN2at8autocast11clear_cacheEv");
            if (new[] { isEnabled, setEnabled, getDtype, setDtype, increment, decrement, clear }.Any(p => p == IntPtr.Zero))
                return new AutocastApi();
            return new AutocastApi
            {
                IsLoaded = true,
                _isEnabled = (delegate* unmanaged<sbyte, byte>)isEnabled,
                _setEnabled = (delegate* unmanaged<sbyte, byte, void>)setEnabled,
                _getDtype = (delegate* unmanaged<sbyte, sbyte>)getDtype,
                _setDtype = (delegate* unmanaged<sbyte, sbyte, void>)setDtype,
                _incrementNesting = (delegate* unmanaged<void>)increment,
                _decrementNesting = (delegate* unmanaged<int>)decrement,
                _clearCache = (delegate* unmanaged<void>)clear,
            };
        }
    }
}
