using BigModel.MLNet.Tasks;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BigModel.MLNet.Glue;

/// <summary>
/// Runs an exported model with ONNX Runtime on whole batches of rows (one session call per batch), the way a
/// trained model scores inside <c>Transform</c>. Needs no libtorch.
/// </summary>
internal sealed class OnnxBatchScorer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _input;
    private readonly int _width;
    private readonly string[] _outputs;

    public OnnxBatchScorer(byte[] model, string input, int width, string[] outputs)
    {
        _session = new InferenceSession(model);
        _input = input;
        _width = width;
        _outputs = outputs;
    }

    /// <summary>Scores the first <paramref name="rows"/> rows of <paramref name="features"/> into <paramref name="into"/>.</summary>
    public void Score(float[] features, int rows, ScoredBatch into)
    {
        var tensor = new DenseTensor<float>(features.AsMemory(0, rows * _width), [rows, _width]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_input, tensor)], _outputs);
        foreach (var result in results)
        {
            var values = result.AsTensor<float>();
            into.Set(result.Name, values.ToArray(), (int)(values.Length / rows));
        }
    }

    public void Dispose() => _session.Dispose();
}
