using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>Tensors made on the host, sent to the training device without making the host wait for the GPU.</summary>
internal static class HostCopy
{
    /// <summary>
    /// <paramref name="host"/> on <paramref name="device"/>; on the CPU, <paramref name="host"/> itself. For a CUDA
    /// device the values go through pinned (page-locked) memory and are copied without blocking: the copy is queued on
    /// the GPU behind the steps already there, and the host goes on preparing the next step. A copy from ordinary memory
    /// would first wait for every queued step, so the GPU would idle while the host works. libtorch keeps the pinned
    /// block until the copy is done. Takes ownership of <paramref name="host"/>.
    /// </summary>
    public static Tensor ToDevice(Tensor host, Device device)
    {
        if (device.type != DeviceType.CUDA)
            return host;
        using (host)
        {
            using var pinned = host.pin_memory();
            return pinned.to(device, non_blocking: true);
        }
    }
}
