using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>Turns a data source into mini-batches of tensors, epoch after epoch.</summary>
public interface IBatchSource
{
    /// <summary>Batches in one epoch; plans the learning-rate schedule. Zero means the source is empty.</summary>
    long BatchesPerEpoch { get; }

    /// <summary>
    /// Streams the batches of one epoch, creating tensors on <paramref name="device"/>. Tensors are created inside
    /// the caller's current dispose scope, so that the caller controls their lifetime.
    /// </summary>
    /// <param name="device">Where the tensors go.</param>
    /// <param name="shuffle">The random order for this epoch; null keeps the source's order.</param>
    IEnumerable<TensorBatch> ReadEpoch(Device device, Random? shuffle);
}
