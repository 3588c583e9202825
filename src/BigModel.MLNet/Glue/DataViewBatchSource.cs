using BigModel.MLNet.Engine;
using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Glue.Inputs;
using BigModel.MLNet.Tasks;
using Microsoft.ML;
using static TorchSharp.torch;

namespace BigModel.MLNet.Glue;

/// <summary>
/// Streams mini-batches from an <see cref="IDataView"/> cursor: only the model's input columns and the label are read, rows
/// pass through a bounded shuffle pool (a new order every epoch), and each batch becomes one tensor per column. The
/// data is never materialised as a whole.
/// </summary>
/// <remarks>
/// The pool is this class's own rather than ML.NET's <c>ShuffleRows</c>, whose background producer makes the order
/// depend on thread timing: here the order depends on the epoch's random generator alone, so a seed reproduces a run.
/// When an input has rows of different lengths (<see cref="IVariableLengthReader"/>: tokenised text), shuffled epochs
/// bucket by length: a random chunk of <see cref="BucketBatches"/> batches is sorted by length, cut into batches, and
/// the batches are served in random order, so each batch pads little while the order stays random.
/// </remarks>
internal sealed class DataViewBatchSource : IBatchSource, IDisposable
{
    private readonly bool _keepOnDevice;
    /// <summary>The data read onto a device (<see cref="ResidentEpoch"/>), and that device's name.</summary>
    private (Tensor[] Tensors, string Device)? _resident;
    private readonly IDataView _data;
    private readonly IReadOnlyList<ModelInput> _inputs;
    private readonly string? _labelColumn;
    private readonly PredictionTask _task;
    private readonly int _poolSize;
    private readonly BatchPlan _plan;
    private readonly int _seed;
    private readonly Func<TensorBatch, Random, TensorBatch>? _augment;
    private readonly string _role;
    private readonly bool _bucketByLength;

    /// <param name="data">The rows.</param>
    /// <param name="inputs">The network's input columns, in the order its forward pass takes them.</param>
    /// <param name="labelColumn">The label column, or null for tasks without labels (implicit feedback).</param>
    /// <param name="task">Reads the label and completes each batch (<see cref="PredictionTask.CompleteBatch"/>).</param>
    /// <param name="batchSize">Rows per batch read from the data.</param>
    /// <param name="shuffleBufferSize">Rows in the shuffle pool.</param>
    /// <param name="role">"training" or "validation", for error messages.</param>
    /// <param name="seed">Seeds the randomness of unshuffled epochs (negative sampling for validation).</param>
    /// <param name="augment">Applied to the batches of shuffled (training) epochs only, or null.</param>
    /// <param name="bucketByLength">Whether shuffled epochs group rows of similar length (for variable-length inputs).</param>
    /// <param name="keepOnDevice">Read the data once and keep it on the training device (inputs of fixed width only;
    /// shuffling then always covers every row).</param>
    public DataViewBatchSource(IDataView data, IReadOnlyList<ModelInput> inputs, string? labelColumn, PredictionTask task,
        int batchSize, int shuffleBufferSize, string role, int seed, Func<TensorBatch, Random, TensorBatch>? augment = null,
        bool bucketByLength = true, bool keepOnDevice = false)
    {
        _keepOnDevice = keepOnDevice && !inputs.Any(i => i is TextInput); // rows of varying length always stream
        _bucketByLength = bucketByLength;
        _augment = augment;
        _role = role;
        _data = data;
        _inputs = inputs;
        _labelColumn = labelColumn;
        _seed = seed;
        _task = task;
        Rows = DataViewRows.Count(data);
        if (Rows == 0)
            throw new ArgumentException($"The {role} data has no rows.", nameof(data));
        _plan = new BatchPlan(Rows, batchSize);
        // Buffers hold a batch (or the shuffle pool), never more than the data: a huge BatchSize costs nothing.
        _poolSize = (int)Math.Max(_plan.Largest, Math.Min(shuffleBufferSize, Rows));
    }

    public long Rows { get; }

    /// <summary>Batches per length-sorted chunk: larger chunks pad less, smaller ones mix lengths more.</summary>
    private const int BucketBatches = 50;

    public long BatchesPerEpoch => _plan.Count;

    /// <summary>Whether batches are selected from data held on the device (no reading, nothing worth doing ahead).</summary>
    public bool KeepsDataOnDevice => _keepOnDevice;

    /// <summary>
    /// One epoch's batches: streamed from the cursor, or — with the data kept on the device — selected from tensors
    /// read once (the same rows in the same batches, in the same order, for a given generator).
    /// </summary>
    public IEnumerable<TensorBatch> ReadEpoch(Device device, Random? shuffle) =>
        KeepsDataOnDevice ? ResidentEpoch(device, shuffle) : StreamedEpoch(device, shuffle);

    /// <summary>
    /// Fills the pool from the cursor, then repeatedly draws a batch of random rows from it (or, unshuffled, the
    /// oldest rows) and refills the freed slots, until cursor and pool are empty.
    /// </summary>
    private IEnumerable<TensorBatch> StreamedEpoch(Device device, Random? shuffle)
    {
        int capacity = shuffle is null ? _plan.Largest : _poolSize;
        var random = shuffle ?? new Random(_seed);
        var (cursor, readers) = OpenReaders(capacity);
        using (cursor)
        {
            var lengths = _bucketByLength ? readers.OfType<IVariableLengthReader>().ToList() : [];
            foreach (var slots in SlotBatches(capacity, shuffle, slot => ReadRow(cursor, readers, slot), lengths))
                yield return Complete(readers.Select(r => r.ToTensor(slots, device)).ToList(), slots.Length, device, shuffle, random);
        }
    }

    /// <summary>
    /// Batches from the whole data held on <paramref name="device"/> (read on the first epoch): each batch is an index
    /// selection on the device instead of a read, conversion and copy of its rows.
    /// </summary>
    private IEnumerable<TensorBatch> ResidentEpoch(Device device, Random? shuffle)
    {
        // By name: TorchSharp's Device compares by reference, and each tensor's .device is a new object.
        if (_resident?.Device != device.ToString())
        {
            DisposeResident();
            var (cursor, readers) = OpenReaders((int)Rows);
            using (cursor)
            {
                for (int slot = 0; slot < Rows; slot++)
                {
                    if (!ReadRow(cursor, readers, slot))
                        throw new InvalidOperationException($"The {_role} data ended after {slot} of the {Rows} rows it counted.");
                }
            }
            int[] all = [.. Enumerable.Range(0, (int)Rows)];
            _resident = ([.. readers.Select(r => r.ToTensor(all, device).DetachFromDisposeScope())], device.ToString());
        }
        // The streamed pool, had it held every row, would hold them in slots 0 … Rows − 1: the same schedule applies.
        var random = shuffle ?? new Random(_seed);
        foreach (var slots in SlotBatches((int)Rows, shuffle, readRow: null, lengths: []))
        {
            using var index = HostCopy.ToDevice(tensor(slots.Select(s => (long)s).ToArray()), device);
            yield return Complete([.. _resident.Value.Tensors.Select(t => t.index_select(0, index))], slots.Length, device, shuffle, random);
        }
    }

    private (DataViewRowCursor Cursor, List<BatchColumnReader> Readers) OpenReaders(int capacity)
    {
        var columns = _inputs.Select(i => _data.Schema[i.ColumnName]).ToList();
        var label = _labelColumn is null ? (DataViewSchema.Column?)null : _data.Schema[_labelColumn];
        var cursor = _data.GetRowCursor(label is { } l ? columns.Append(l) : columns);
        var readers = _inputs.Zip(columns).Select(p => p.First.CreateReader(cursor, p.Second, capacity, training: true)).ToList();
        if (label is { } labelColumn)
            readers.Add(_task.CreateLabelReader(cursor, labelColumn, capacity));
        return (cursor, readers);
    }

    /// <summary>A batch of the inputs' (and label's) tensors, augmented on shuffled epochs and completed by the task.</summary>
    private TensorBatch Complete(List<Tensor> tensors, int rows, Device device, Random? shuffle, Random random)
    {
        var target = _labelColumn is null ? ones(rows, device: device) : tensors[^1];
        var read = new TensorBatch(tensors.Take(_inputs.Count).ToList(), target);
        if (shuffle is not null && _augment is not null)
            read = _augment(read, shuffle);
        return _task.CompleteBatch(read, random);
    }

    /// <summary>
    /// The slots of each batch: a pool of <paramref name="capacity"/> slots filled by <paramref name="readRow"/> (or, when
    /// null, already holding every row), from which batches are drawn at random (or, unshuffled, oldest first) and whose
    /// freed slots are refilled after each batch is used.
    /// </summary>
    private IEnumerable<int[]> SlotBatches(int capacity, Random? shuffle, Func<int, bool>? readRow, List<IVariableLengthReader> lengths)
    {
        var ready = new Queue<int[]>();
        long batchesTaken = 0;
        var free = new Stack<int>(Enumerable.Range(0, readRow is null ? 0 : capacity).Reverse());
        var pool = readRow is null ? Enumerable.Range(0, capacity).ToArray() : new int[capacity]; // occupied slots, oldest first
        int count = readRow is null ? capacity : 0;
        bool exhausted = readRow is null;
        while (true)
        {
            // Slots of bucketed batches still waiting in 'ready' are neither in the pool nor free: refill only free slots.
            while (free.Count > 0 && !exhausted)
            {
                if (!readRow!(free.Peek()))
                {
                    exhausted = true;
                    break;
                }
                pool[count++] = free.Pop();
            }
            if (count == 0 && ready.Count == 0)
                yield break;

            if (ready.Count == 0)
            {
                // Batches follow the plan (a leftover single row joins the last batch); Math.Min guards against data
                // shorter than it counted.
                if (shuffle is null)
                    ready.Enqueue(TakeOldest(pool, ref count, Math.Min(_plan.SizeOf(batchesTaken++), count)));
                else if (lengths.Count == 0)
                    ready.Enqueue(TakeRandom(pool, ref count, Math.Min(_plan.SizeOf(batchesTaken++), count), shuffle));
                else
                {
                    var sizes = PlannedSizes(ref batchesTaken, count);
                    BucketByLength(TakeRandom(pool, ref count, sizes.Sum(), shuffle), sizes, lengths, shuffle, ready);
                }
            }
            var batch = ready.Dequeue();
            yield return batch;
            if (readRow is not null)
            {
                foreach (int slot in batch)
                    free.Push(slot);
            }
        }
    }

    /// <summary>Releases the data kept on the device.</summary>
    public void Dispose() => DisposeResident();

    private void DisposeResident()
    {
        foreach (var tensor in _resident?.Tensors ?? [])
            tensor.Dispose();
        _resident = null;
    }

    /// <summary>
    /// Moves to the next row and reads it into <paramref name="slot"/>. A failure upstream (an image file that does not
    /// load, a mapping that throws) becomes an error that names the columns, the data set and, where it can be found,
    /// the failing row (see <see cref="UpstreamFailure"/>).
    /// </summary>
    private bool ReadRow(DataViewRowCursor cursor, List<BatchColumnReader> readers, int slot)
    {
        try
        {
            if (!cursor.MoveNext())
                return false;
            foreach (var reader in readers)
                reader.Read(slot);
            return true;
        }
        catch (Exception e) when (UpstreamFailure.IsUpstream(e))
        {
            throw UpstreamFailure.Explain(_data, readers.Select(r => r.Column).ToList(), $"The {_role} data", e);
        }
    }

    /// <summary>The sizes of the next planned batches (up to <see cref="BucketBatches"/>) that the pool's
    /// <paramref name="available"/> rows can fill; at least one batch, of the rows left when the data ends early.</summary>
    private List<int> PlannedSizes(ref long batchesTaken, int available)
    {
        var sizes = new List<int>();
        int total = 0;
        while (sizes.Count < BucketBatches && total + _plan.SizeOf(batchesTaken) <= available)
        {
            sizes.Add(_plan.SizeOf(batchesTaken++));
            total += sizes[^1];
        }
        if (sizes.Count == 0)
        {
            sizes.Add(available);
            batchesTaken++;
        }
        return sizes;
    }

    private static void BucketByLength(int[] chunk, List<int> sizes, List<IVariableLengthReader> lengths, Random random, Queue<int[]> ready)
    {
        var sorted = chunk.OrderBy(slot => lengths.Sum(r => r.LengthOf(slot))).ThenBy(slot => slot).ToArray();
        var batches = new int[sizes.Count][];
        for (int b = 0, start = 0; b < sizes.Count; start += sizes[b++])
            batches[b] = sorted[start..(start + sizes[b])];
        random.Shuffle(batches);
        foreach (var batch in batches)
            ready.Enqueue(batch);
    }

    private static int[] TakeOldest(int[] pool, ref int count, int take)
    {
        var batch = pool[..take];
        Array.Copy(pool, take, pool, 0, count - take);
        count -= take;
        return batch;
    }

    /// <summary>A partial Fisher–Yates shuffle: moves <paramref name="take"/> random slots to the pool's end and takes them.</summary>
    private static int[] TakeRandom(int[] pool, ref int count, int take, Random random)
    {
        for (int k = 0; k < take; k++)
        {
            int pick = random.Next(count - k);
            (pool[pick], pool[count - 1 - k]) = (pool[count - 1 - k], pool[pick]);
        }
        count -= take;
        return pool[count..(count + take)];
    }
}
