using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Glue;

/// <summary>The rows of a data view whose positions are (or are not) in a set: for splits decided row by row.</summary>
internal sealed class RowSubsetDataView(IDataView source, IReadOnlySet<long> positions, bool keep) : IDataView
{
    public bool CanShuffle => false;
    public DataViewSchema Schema => source.Schema;
    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(source.GetRowCursor(columnsNeeded), positions, keep);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DataViewRowCursor inner, IReadOnlySet<long> positions, bool keep) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => inner.Schema;
        public override long Position => _position;
        public override long Batch => inner.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override bool MoveNext()
        {
            while (inner.MoveNext())
            {
                if (positions.Contains(inner.Position) == keep)
                {
                    _position++;
                    return true;
                }
            }
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
