using BigModel.MLNet.Tasks;
using Microsoft.ML.OnnxRuntime;

namespace BigModel.MLNet.Glue;

/// <summary>
/// Runs an exported model with ONNX Runtime on whole batches of rows (one session call per batch), the way a
/// trained model scores inside <c>Transform</c>: on the CPU, or on a CUDA GPU through ONNX Runtime's CUDA build. Needs
/// no libtorch.
/// </summary>
internal sealed class OnnxBatchScorer(byte[] model, string[] outputs, int? gpuDeviceId = null) : IDisposable
{
    private readonly InferenceSession _session = CreateSession(model, gpuDeviceId);

    /// <summary>The CUDA device the model scores on, or null for the CPU.</summary>
    public int? GpuDeviceId => gpuDeviceId;

    /// <summary>
    /// One thread per processor the process may use. ONNX Runtime's own default ran on one of the two cores of a
    /// machine without hyper-threading (measured: a 128-token MiniLM row scored 1.5× faster with both), while ML.NET's
    /// ONNX transform, which scores the saved model, used both: a model fresh from Fit scored slower than reloaded.
    /// </summary>
    private static InferenceSession CreateSession(byte[] model, int? gpuDeviceId)
    {
        using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount };
        if (gpuDeviceId is int device)
            AddCuda(options, device);
        return new InferenceSession(model, options);
    }

    /// <summary>ONNX Runtime's CUDA execution provider, or an error that says what the application lacks.</summary>
    private static void AddCuda(SessionOptions options, int device)
    {
        try
        {
            options.AppendExecutionProvider_CUDA(device);
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException(
                $"Scoring on CUDA device {device} needs ONNX Runtime's CUDA build: reference the package " +
                "'Microsoft.ML.OnnxRuntime.Gpu' in the application instead of 'Microsoft.ML.OnnxRuntime', with the CUDA and " +
                $"cuDNN versions its release names installed. ONNX Runtime said: {e.Message}", e);
        }
    }

    /// <summary>Scores <paramref name="rows"/> rows given as one ONNX value per model input, into <paramref name="into"/>.</summary>
    public void Score(IReadOnlyCollection<NamedOnnxValue> inputs, int rows, ScoredBatch into)
    {
        using var results = _session.Run(inputs, outputs);
        foreach (var result in results)
        {
            var values = result.AsTensor<float>();
            into.Set(result.Name, values.ToArray(), (int)(values.Length / rows));
        }
    }

    /// <summary>Scores the rows of <paramref name="slots"/> (given as one ONNX value per input, in that order) into those
    /// slots of a batch of <paramref name="capacity"/> rows.</summary>
    public void Score(IReadOnlyCollection<NamedOnnxValue> inputs, int[] slots, int capacity, ScoredBatch into)
    {
        using var results = _session.Run(inputs, outputs);
        foreach (var result in results)
        {
            var values = result.AsTensor<float>().ToArray();
            into.Scatter(result.Name, values, values.Length / slots.Length, slots, capacity);
        }
    }

    public void Dispose() => _session.Dispose();
}
