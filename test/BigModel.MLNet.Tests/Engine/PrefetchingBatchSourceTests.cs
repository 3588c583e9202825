using BigModel.MLNet.Engine;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Engine;

[TestClass]
public class PrefetchingBatchSourceTests
{
    /// <summary>Batch i holds the values i·10 … i·10 + 9 in an order drawn from the epoch's generator; fails at batch <c>FailAt</c>.</summary>
    private sealed class CountingSource(int batches) : IBatchSource
    {
        public int Read;
        public int? FailAt { get; init; }
        public int ReaderThread;
        public readonly List<Tensor> Scratch = [];

        public long BatchesPerEpoch => batches;

        public IEnumerable<TensorBatch> ReadEpoch(Device device, Random? shuffle)
        {
            ReaderThread = Environment.CurrentManagedThreadId;
            for (int i = 0; i < batches; i++)
            {
                if (i == FailAt)
                    throw new InvalidDataException($"Row {i * 10} is broken.");
                var values = Enumerable.Range(i * 10, 10).Select(v => (float)v).OrderBy(_ => shuffle?.Next() ?? 0).ToArray();
                Interlocked.Increment(ref Read);
                lock (Scratch)
                    Scratch.Add(zeros(10)); // made while reading and never handed over: the reader's scope must free it
                yield return new TensorBatch([tensor(values, device: device).reshape(10, 1)], tensor(values, device: device));
            }
        }
    }

    private static List<float[]> Read(IBatchSource source, int seed)
    {
        var batches = new List<float[]>();
        foreach (var batch in source.ReadEpoch(CPU, new Random(seed)))
        {
            using var scope = NewDisposeScope();
            batches.Add(batch.Target.data<float>().ToArray());
            CollectionAssert.AreEqual(batches[^1], batch.Inputs[0].flatten().data<float>().ToArray());
        }
        return batches;
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(4)]
    public void ServesTheWrappedSourcesBatchesInItsOrderFromAnotherThread(int depth)
    {
        var source = new CountingSource(25);
        var expected = Read(source, seed: 3);
        source.Scratch.Clear(); // read outside any scope of this test: only the reader's own scopes free them
        var prefetched = Read(new PrefetchingBatchSource(source, depth), seed: 3);

        Assert.HasCount(25, prefetched);
        for (int i = 0; i < expected.Count; i++)
            CollectionAssert.AreEqual(expected[i], prefetched[i], $"batch {i}");
        Assert.AreNotEqual(Environment.CurrentManagedThreadId, source.ReaderThread, "read on a background thread");
        Assert.IsTrue(source.Scratch.All(t => t.IsInvalid), "what reading made on the way is freed on the reader's thread");
        CollectionAssert.AreNotEqual(expected[0], Read(new PrefetchingBatchSource(source, depth), seed: 4)[0], "the generator still decides the order");
    }

    [TestMethod]
    public void AReadFailureArrivesAfterTheBatchesBeforeIt()
    {
        var source = new PrefetchingBatchSource(new CountingSource(10) { FailAt = 6 }, depth: 2);
        int served = 0;
        var error = Assert.ThrowsExactly<InvalidDataException>(() =>
        {
            foreach (var batch in source.ReadEpoch(CPU, shuffle: null))
                served++;
        });
        Assert.AreEqual(6, served);
        StringAssert.Contains(error.Message, "Row 60");
    }

    [TestMethod]
    public void StoppingEarlyStopsTheReaderAndFreesWhatItReadAhead()
    {
        var inner = new CountingSource(1000);
        var source = new PrefetchingBatchSource(inner, depth: 3);
        var served = new List<TensorBatch>();
        using (NewDisposeScope())
        {
            foreach (var batch in source.ReadEpoch(CPU, shuffle: null))
            {
                served.Add(batch);
                if (served.Count == 5)
                    break;
            }
        }
        // The reader stops within the queue's depth (plus the batch it holds and the one the consumer took).
        Assert.IsLessThanOrEqualTo(5 + 3 + 2, inner.Read);
        Assert.IsTrue(served.All(b => b.Target.IsInvalid), "the batches joined the consumer's dispose scope");
    }
}
