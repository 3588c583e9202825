using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>The precision libtorch's CUDA kernels may use for 32-bit matrix products and convolutions.</summary>
internal static class CudaPrecision
{
    /// <summary>
    /// On a CUDA device, lets (or stops) matrix products and cuDNN convolutions run in TF32 — 10 mantissa bits in the
    /// products, 32-bit sums — which Ampere and later GPUs compute several times faster than full 32-bit. Nothing
    /// changes on the CPU. The switches are libtorch's and hold for the whole process.
    /// </summary>
    public static void Apply(Device device, bool allowTf32, Action<string> log)
    {
        if (device.type != DeviceType.CUDA)
            return;
        backends.cuda.matmul.allow_tf32 = allowTf32;
        backends.cudnn.allow_tf32 = allowTf32;
        log($"TF32 matrix products and convolutions {(allowTf32 ? "on" : "off")} ({nameof(TrainingOptions.AllowTf32)}).");
    }
}
