using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Reads the next batches of another source on a background thread while the training thread computes, so that
/// reading rows, converting them and copying them to the device overlap the steps instead of stalling them.
/// </summary>
/// <remarks>
/// The batches are the wrapped source's, in its order: one thread reads them one after another, exactly as the
/// training thread would. At most <c>depth</c> batches wait in the queue. A failure while reading reaches the
/// training thread at the batch where it happened, with its own exception type; stopping early (cancellation, an
/// error in a step) stops the reader and frees the batches it had read ahead.
/// </remarks>
public sealed class PrefetchingBatchSource : IBatchSource
{
    private readonly IBatchSource _source;
    private readonly int _depth;

    /// <param name="source">The source to read ahead of the training thread.</param>
    /// <param name="depth">The most batches read ahead; at least 1.</param>
    public PrefetchingBatchSource(IBatchSource source, int depth)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        _source = source;
        _depth = depth;
    }

    /// <inheritdoc/>
    public long BatchesPerEpoch => _source.BatchesPerEpoch;

    /// <inheritdoc/>
    /// <remarks>Each batch joins the caller's dispose scope current when the batch is handed over.</remarks>
    public IEnumerable<TensorBatch> ReadEpoch(Device device, Random? shuffle)
    {
        using var queue = new BlockingCollection<TensorBatch>(_depth);
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        var reader = Task.Factory.StartNew(() =>
        {
            try
            {
                ReadAhead(_source.ReadEpoch(device, shuffle), queue, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            foreach (var batch in queue.GetConsumingEnumerable())
            {
                CurrentDisposeScope?.Attach(Tensors(batch));
                yield return batch;
            }
            reader.Wait();
            failure?.Throw();
        }
        finally
        {
            stop.Cancel();
            reader.Wait();
            while (queue.TryTake(out var unused))
                DisposeTensors(unused);
        }
    }

    /// <summary>Reads each batch in a dispose scope of its own (freeing what reading it made on the way) and queues it.</summary>
    private static void ReadAhead(IEnumerable<TensorBatch> batches, BlockingCollection<TensorBatch> queue, CancellationToken stop)
    {
        using var enumerator = batches.GetEnumerator();
        while (!stop.IsCancellationRequested)
        {
            TensorBatch batch;
            using (var scope = NewDisposeScope())
            {
                if (!enumerator.MoveNext())
                    return;
                batch = enumerator.Current;
                scope.Detach(Tensors(batch));
            }
            try
            {
                queue.Add(batch, stop);
            }
            catch (OperationCanceledException)
            {
                DisposeTensors(batch);
                throw;
            }
        }
    }

    private static IDisposable[] Tensors(TensorBatch batch) => [.. batch.Inputs.Append(batch.Target).Distinct()];

    private static void DisposeTensors(TensorBatch batch)
    {
        foreach (var tensor in Tensors(batch))
            tensor.Dispose();
    }
}
