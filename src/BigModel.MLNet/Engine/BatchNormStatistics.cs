using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Recomputes the running statistics of every batch-normalisation layer that trains, from one pass over the training
/// data with the current weights (as PyTorch's <c>swa_utils.update_bn</c> does). The statistics training leaves behind
/// are an average over the last few dozen steps, each taken with different weights: on small data, with a handful of
/// steps per epoch, they lag the weights so far that validation loss swings wildly from one epoch to the next.
/// </summary>
internal static class BatchNormStatistics
{
    /// <summary>
    /// Removes the batch counter of every batch-norm layer with a fixed momentum. TorchSharp 0.107 increments it with
    /// <c>add_(1)</c>, whose implicit scalar temporaries nothing keeps alive during the native call: under garbage-collection
    /// pressure a finaliser frees one mid-call and libtorch fails ("Expected false to be true ... toLong"). With a fixed
    /// momentum the count is never read (see docs/native-loading.md).
    /// </summary>
    public static void DropBatchCounters(nn.Module module)
    {
        foreach (var norm in module.modules().OfType<BatchNorm>().Where(n => n.momentum is > 0 && n.num_batches_tracked is not null))
        {
            norm.num_batches_tracked!.Dispose();
            norm.num_batches_tracked = null;
        }
    }

    /// <summary>Whether <paramref name="module"/> has batch normalisation that tracks statistics.</summary>
    public static bool Applies(nn.Module module) => module.modules().OfType<BatchNorm>().Any(n => n.track_running_stats);

    /// <summary>
    /// Recomputes the statistics of the layers that are in training mode after <c>module.train()</c> (layers
    /// kept frozen stay as they are), weighting each batch by its rows, so that a layer on the inputs ends with their
    /// mean and variance. Leaves the module in evaluation mode.
    /// </summary>
    public static void Recompute(nn.Module module, IEnumerable<TensorBatch> batches, Func<IReadOnlyList<Tensor>, Tensor> forward)
    {
        module.train();
        var norms = module.modules().OfType<BatchNorm>().Where(n => n.training && n.track_running_stats).ToList();
        var momenta = norms.Select(n => n.momentum).ToList();
        try
        {
            using var _ = no_grad();
            long seen = 0;
            foreach (var batch in batches)
            {
                long rows = batch.Inputs[0].shape[0];
                seen += rows;
                // A running mean over rows, exact for the batch means; the first batch (momentum 1) replaces the old statistics.
                foreach (var norm in norms)
                    norm.momentum = (double)rows / seen;
                forward(batch.Inputs).Dispose();
            }
        }
        finally
        {
            for (int i = 0; i < norms.Count; i++)
                norms[i].momentum = momenta[i];
            module.eval();
        }
    }
}
