using BigModel.MLNet.Engine;
using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Tasks;
using Microsoft.ML;
using static TorchSharp.torch;

namespace BigModel.MLNet.Glue;

/// <summary>
/// Streams mini-batches from an <see cref="IDataView"/> cursor: only the feature and label columns are read,
/// rows pass through a bounded shuffle pool (a new order every epoch), and each batch becomes one tensor per
/// column. The data is never materialised as a whole.
/// </summary>
internal sealed class DataViewBatchSource : IBatchSource
{
    private readonly IDataView _data;
    private readonly IDataView? _shuffled;
    private readonly string _featureColumn;
    private readonly string _labelColumn;
    private readonly PredictionTask _task;
    private readonly int _batchSize;

    public DataViewBatchSource(MLContext context, IDataView data, string featureColumn, string labelColumn,
        PredictionTask task, int batchSize, int shuffleBufferSize, string role)
    {
        _data = data;
        _featureColumn = featureColumn;
        _labelColumn = labelColumn;
        _task = task;
        _batchSize = batchSize;
        Rows = data.GetRowCount() ?? CountRows(data);
        if (Rows == 0)
            throw new ArgumentException($"The {role} data has no rows.", nameof(data));
        if (shuffleBufferSize > 0)
            _shuffled = context.Data.ShuffleRows(data, shufflePoolSize: shuffleBufferSize, shuffleSource: data.CanShuffle);
    }

    public long Rows { get; }

    public long BatchesPerEpoch => (Rows + _batchSize - 1) / _batchSize;

    public IEnumerable<TensorBatch> ReadEpoch(Device device, Random? shuffle)
    {
        var view = shuffle is not null && _shuffled is not null ? _shuffled : _data;
        var features = view.Schema[_featureColumn];
        var label = view.Schema[_labelColumn];
        using var cursor = view.GetRowCursor([features, label], shuffle);
        var featureReader = new FloatVectorColumnReader(cursor, features, _batchSize);
        var labelReader = _task.CreateLabelReader(cursor, label, _batchSize);
        int rows = 0;
        while (true)
        {
            bool more = cursor.MoveNext();
            if (more)
            {
                featureReader.Read(rows);
                labelReader.Read(rows);
                rows++;
            }
            if (rows == _batchSize || (!more && rows > 0))
            {
                yield return new TensorBatch([featureReader.ToTensor(rows, device)], labelReader.ToTensor(rows, device));
                rows = 0;
            }
            if (!more)
                yield break;
        }
    }

    private static long CountRows(IDataView data)
    {
        long count = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
            count++;
        return count;
    }
}
