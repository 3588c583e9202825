namespace BigModel.MLNet.Engine;

/// <summary>Where training runs.</summary>
public enum DeviceKind
{
    /// <summary>
    /// The GPU named by <c>MLContext.GpuDeviceId</c> when it is set; otherwise CUDA device 0 when CUDA
    /// is available, else the CPU.
    /// </summary>
    Auto,
    /// <summary>Always the CPU.</summary>
    Cpu,
    /// <summary>CUDA device <c>MLContext.GpuDeviceId</c> (0 when unset). Fails when CUDA is absent unless
    /// <c>MLContext.FallbackToCpu</c> is true.</summary>
    Cuda,
}
