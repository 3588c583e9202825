using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Checks that keep a broken network from passing for a trained one: batch normalisation never trains on one row, and
/// no parameter or buffer holds NaN or infinity.
/// </summary>
internal sealed class NetworkHealth(nn.Module module)
{
    /// <summary>The first batch-normalisation layer, by name, or null.</summary>
    private readonly string? _batchNorm = module.named_modules().FirstOrDefault(m => m.module is BatchNorm).name is { } name
        ? (name.Length == 0 ? module.GetName() : name) : null;

    /// <summary>
    /// Rejects a one-row training batch when the network normalises batches: libtorch's running-variance update
    /// divides by rows − 1 and would leave NaN statistics behind a finite training loss.
    /// </summary>
    public void CheckBatch(TensorBatch batch, int batchSize)
    {
        if (_batchNorm is null || BatchRows(batch) > 1)
            return;
        string cause = batchSize == 1 ? "BatchSize is 1" : "the training data has a single row";
        throw new InvalidOperationException(
            $"Batch normalisation (layer '{_batchNorm}') cannot train on a batch of one row, and {cause}. Set BatchSize " +
            "to 2 or more and give at least two training rows, or leave batch normalisation out (MlpOptions.UseBatchNorm = false).");
    }

    /// <summary>Fails naming the first parameter or buffer that holds NaN or infinity, after epoch <paramref name="epoch"/>.</summary>
    public void CheckFinite(int epoch)
    {
        using var scope = NewDisposeScope();
        var tensors = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(module.named_buffers());
        foreach (var (name, tensor) in tensors)
        {
            if (!tensor.is_floating_point() || tensor.isfinite().all().item<bool>())
                continue;
            string remedy = name.EndsWith("running_var", StringComparison.Ordinal) || name.EndsWith("running_mean", StringComparison.Ordinal)
                ? "Batch-normalisation statistics break on batches of one row: use BatchSize of 2 or more."
                : $"Lower {nameof(TrainingOptions.LearningRate)}, set {nameof(TrainingOptions.GradientClipNorm)}, or normalise the features.";
            throw new InvalidOperationException($"After epoch {epoch}, '{name}' holds NaN or infinite values, so the model would " +
                $"predict garbage; training stopped. {remedy}");
        }
    }

    /// <summary>Rows of a batch as the network sees them: the first input's first dimension.</summary>
    public static long BatchRows(TensorBatch batch) => batch.Inputs.Count > 0 ? batch.Inputs[0].shape[0] : batch.Rows;
}
