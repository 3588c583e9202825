using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Glue;

/// <summary>
/// The output of a trained model's <c>Transform</c>: the input columns plus the model's output columns, computed
/// lazily, a batch of rows per ONNX Runtime call.
/// </summary>
internal sealed class BatchScoringDataView : IDataView
{
    private readonly IDataView _input;
    private readonly ScoringPlan _plan;

    public BatchScoringDataView(IDataView input, ScoringPlan plan)
    {
        _input = input;
        _plan = plan;
        Schema = OutputSchemaFor(input.Schema, plan);
    }

    /// <summary>The input schema plus the task's output columns; checks the model's input columns on the way.</summary>
    public static DataViewSchema OutputSchemaFor(DataViewSchema input, ScoringPlan plan)
    {
        foreach (var required in plan.Inputs)
        {
            var column = input.GetColumnOrNull(required.ColumnName) ?? throw new ArgumentOutOfRangeException(required.ColumnName,
                $"The data has no column '{required.ColumnName}', which the model was trained on.");
            int size = required.Input.SizeOf(column);
            if (size != required.Size)
                throw new ArgumentOutOfRangeException(required.ColumnName,
                    $"Column '{required.ColumnName}' has size {size}, but the model was trained on {required.Size}.");
        }
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        foreach (var column in plan.Task.OutputColumns)
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        return builder.ToSchema();
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchScoringDataView _parent;
        private readonly DataViewRowCursor _upstream;
        private readonly HashSet<int> _active;
        private readonly Dictionary<int, ColumnBuffer> _buffers = [];
        private readonly IOnnxInputReader[] _modelInputs = [];
        private readonly ScoredBatch _scored = new();
        private readonly ValueGetter<DataViewRowId> _upstreamId;
        private readonly DataViewRowId[] _ids;
        private int _slot = -1, _filled;
        private long _position = -1;

        public Cursor(BatchScoringDataView parent, HashSet<int> active)
        {
            _parent = parent;
            _active = active;
            int inputCount = parent._input.Schema.Count;
            bool scoring = active.Any(i => i >= inputCount);
            var modelColumns = parent._plan.Inputs.Select(i => parent._input.Schema[i.ColumnName]).ToArray();
            var needed = parent._input.Schema.Where(c => active.Contains(c.Index) || (scoring && modelColumns.Contains(c)));
            _upstream = parent._input.GetRowCursor(needed);
            int batchSize = scoring ? parent._plan.BatchSize : 1;
            foreach (int index in active.Where(i => i < inputCount))
                _buffers[index] = ColumnBuffer.Create(_upstream, parent._input.Schema[index], batchSize);
            if (scoring)
            {
                _modelInputs = parent._plan.Inputs.Zip(modelColumns)
                    .Select(p => (IOnnxInputReader)p.First.Input.CreateReader(_upstream, p.Second, batchSize, training: false)).ToArray();
            }
            _upstreamId = _upstream.GetIdGetter();
            _ids = new DataViewRowId[batchSize];
        }

        public override DataViewSchema Schema => _parent.Schema;
        public override long Position => _position;
        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (++_slot >= _filled && !ReadBatch())
                return false;
            _scored.Row = _slot;
            _position++;
            return true;
        }

        private bool ReadBatch()
        {
            _slot = 0;
            _filled = 0;
            try
            {
                while (_filled < _ids.Length && _upstream.MoveNext())
                {
                    _upstreamId(ref _ids[_filled]);
                    foreach (var buffer in _buffers.Values)
                        buffer.Fill(_filled);
                    foreach (var reader in _modelInputs)
                        reader.Read(_filled);
                    _filled++;
                }
            }
            catch (Exception e) when (UpstreamFailure.IsUpstream(e))
            {
                var read = _parent._input.Schema.Where(c => _active.Contains(c.Index) || _parent._plan.Inputs.Any(i => i.ColumnName == c.Name));
                throw UpstreamFailure.Explain(_parent._input, [.. read], "The data to score", e);
            }
            if (_filled > 0 && _modelInputs.Length > 0)
                Score();
            return _filled > 0;
        }

        /// <summary>
        /// One ONNX call for the batch; for text, the rows sorted by length and scored in groups of about
        /// <see cref="TokensPerCall"/> tokens, each padded only to its own longest row, the outputs put back in row order.
        /// </summary>
        private void Score()
        {
            var lengths = _modelInputs.OfType<IVariableLengthReader>().ToList();
            if (lengths.Count == 0)
            {
                _parent._plan.Scorer.Score(_modelInputs.Select(r => r.ToOnnx(_filled)).ToArray(), _filled, _scored);
                return;
            }
            int[] tokens = [.. Enumerable.Range(0, _filled).Select(slot => lengths.Sum(r => r.LengthOf(slot)))];
            var byLength = Enumerable.Range(0, _filled).OrderBy(slot => tokens[slot]).ThenBy(slot => slot).ToArray();
            foreach (var group in LengthGroups(byLength, tokens))
                _parent._plan.Scorer.Score(_modelInputs.Select(r => r.ToOnnx(group)).ToArray(), group, _ids.Length, _scored);
        }

        /// <summary>
        /// Consecutive runs of <paramref name="byLength"/> (shortest first) whose padded size — rows × the longest row —
        /// stays within <see cref="TokensPerCall"/>: many short texts per call, a few long ones.
        /// </summary>
        private static IEnumerable<int[]> LengthGroups(int[] byLength, int[] tokens)
        {
            int start = 0;
            for (int end = 1; end <= byLength.Length; end++)
            {
                bool full = end == byLength.Length || (end - start + 1) * tokens[byLength[end]] > TokensPerCall;
                if (full)
                {
                    yield return byLength[start..end];
                    start = end;
                }
            }
        }

        /// <summary>
        /// Padded tokens per ONNX call for text. Attention's intermediate values grow with rows × length², so past a few
        /// hundred tokens a call leaves the CPU's cache and scores slower per row than one row alone; measured with
        /// MiniLM at 16–128 tokens (docs/benchmarks.md): best at 16–32 short rows, 4–8 rows of 128 tokens.
        /// </summary>
        private const int TokensPerCall = 512;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active.Contains(column.Index))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested from this cursor.");
            int inputCount = _parent._input.Schema.Count;
            var getter = column.Index < inputCount
                ? _buffers[column.Index].Getter(() => _slot)
                : _parent._plan.Task.OutputColumns[column.Index - inputCount].MakeGetter(_scored);
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
                $"Column '{column.Name}' holds {column.Type}, which cannot be read as {typeof(TValue).Name}.");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = _ids[_slot];

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _upstream.Dispose();
            base.Dispose(disposing);
        }
    }
}
