using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>One mini-batch: the network's input tensors and the training target.</summary>
/// <remarks>The tensors belong to the caller's dispose scope; the training loop opens one per batch.</remarks>
/// <param name="Inputs">The network inputs, first dimension = rows.</param>
/// <param name="Target">The targets (float for regression, int64 class indices for classification).</param>
public sealed record TensorBatch(IReadOnlyList<Tensor> Inputs, Tensor Target)
{
    /// <summary>Rows in the batch.</summary>
    public long Rows => Target.shape[0];

    /// <summary>Rows the batch was read from: <see cref="Rows"/>, unless the task added rows of its own (the sampled
    /// negatives of implicit feedback). Epoch metrics count these.</summary>
    public long DataRows { get; init; } = Target.shape[0];
}
