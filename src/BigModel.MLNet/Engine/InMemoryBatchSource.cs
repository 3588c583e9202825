using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>Batches from tensors already in memory: for small data, tests, and using the engine without ML.NET.</summary>
/// <remarks>The source keeps its own references to <paramref name="inputs"/> and <paramref name="targets"/>;
/// dispose the source to release them.</remarks>
public sealed class InMemoryBatchSource(Tensor inputs, Tensor targets, int batchSize) : IBatchSource, IDisposable
{
    private readonly Tensor _inputs = inputs.alias().DetachFromDisposeScope();
    private readonly Tensor _targets = targets.alias().DetachFromDisposeScope();

    /// <summary>Rows in the source.</summary>
    public long Rows => _targets.shape[0];

    private BatchPlan Plan => new(Rows, batchSize);

    /// <inheritdoc />
    public long BatchesPerEpoch => Plan.Count;

    /// <inheritdoc />
    public IEnumerable<TensorBatch> ReadEpoch(Device device, Random? shuffle)
    {
        long[] order = Enumerable.Range(0, (int)Rows).Select(i => (long)i).ToArray();
        shuffle?.Shuffle(order);
        int start = 0;
        for (long batch = 0; batch < Plan.Count; batch++)
        {
            int size = Plan.SizeOf(batch);
            using var index = tensor(order.AsSpan(start, size).ToArray());
            start += size;
            yield return new TensorBatch([_inputs.index_select(0, index).to(device)], _targets.index_select(0, index).to(device));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _inputs.Dispose();
        _targets.Dispose();
    }
}
