using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Transforms.Images;

/// <summary>A data view that passes its source's rows through under a schema with the same columns and other annotations.</summary>
internal sealed class AnnotatedDataView(IDataView source, DataViewSchema schema) : IDataView
{
    public bool CanShuffle => source.CanShuffle;

    public DataViewSchema Schema => schema;

    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(source.GetRowCursor(Source(columnsNeeded), rand), schema);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        source.GetRowCursorSet(Source(columnsNeeded), n, rand).Select(c => (DataViewRowCursor)new Cursor(c, schema)).ToArray();

    private IEnumerable<DataViewSchema.Column> Source(IEnumerable<DataViewSchema.Column> columns) => columns.Select(c => source.Schema[c.Index]);

    private sealed class Cursor(DataViewRowCursor inner, DataViewSchema schema) : DataViewRowCursor
    {
        public override DataViewSchema Schema => schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override bool MoveNext() => inner.MoveNext();
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(inner.Schema[column.Index]);
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(inner.Schema[column.Index]);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
