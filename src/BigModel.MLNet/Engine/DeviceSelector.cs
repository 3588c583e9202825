using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>Chooses the training device from the options and the MLContext's GPU settings.</summary>
public static class DeviceSelector
{
    /// <summary>
    /// Resolves <paramref name="kind"/> against the context's <paramref name="gpuDeviceId"/> and
    /// <paramref name="fallbackToCpu"/>, and says why in <paramref name="reason"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">CUDA was asked for, is not usable, and fallback is off.</exception>
    public static Device Select(DeviceKind kind, int? gpuDeviceId, bool fallbackToCpu, out string reason)
    {
        if (kind == DeviceKind.Cpu)
        {
            reason = "the options ask for the CPU";
            return CPU;
        }
        bool cudaRequired = kind == DeviceKind.Cuda || gpuDeviceId is not null;
        int index = gpuDeviceId ?? 0;
        int available = cuda.is_available() ? cuda.device_count() : 0;
        if (index >= 0 && index < available)
        {
            reason = gpuDeviceId is null ? "CUDA is available" : $"MLContext.GpuDeviceId is {index}";
            return new Device(DeviceType.CUDA, index);
        }
        if (!cudaRequired)
        {
            reason = "CUDA is not available";
            return CPU;
        }
        string problem = available == 0
            ? "CUDA is not available (no CUDA libtorch is loaded or no GPU is visible)"
            : $"CUDA device {index} does not exist (this machine has {available})";
        if (fallbackToCpu)
        {
            reason = $"{problem}; MLContext.FallbackToCpu is true";
            return CPU;
        }
        throw new InvalidOperationException(
            $"Training was asked to run on CUDA device {index}, but {problem}. Reference a CUDA libtorch package " +
            "(see README, 'Choosing CPU or CUDA libtorch'), pick another MLContext.GpuDeviceId, or set " +
            "MLContext.FallbackToCpu = true to train on the CPU instead.");
    }
}
