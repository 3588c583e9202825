using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>
/// A data view that serves another view's rows with one column changed: a single value replaced (NaN in row 3), or the
/// whole column given another type (the wrong-type checks). Used by <see cref="EstimatorConformance"/>.
/// </summary>
internal sealed class AlteredDataView : IDataView
{
    private readonly IDataView _source;
    private readonly int _column;
    private readonly Func<DataViewRow, Delegate, Delegate> _getter;

    private AlteredDataView(IDataView source, string column, DataViewType type, Func<DataViewRow, Delegate, Delegate> getter)
    {
        _source = source;
        _column = source.Schema[column].Index;
        _getter = getter;
        var builder = new DataViewSchema.Builder();
        foreach (var c in source.Schema)
            builder.AddColumn(c.Name, c.Index == _column ? type : c.Type, c.Index == _column && type == c.Type ? c.Annotations : null);
        Schema = builder.ToSchema();
    }

    /// <summary>Row <paramref name="row"/> of Single (or Single-vector) column <paramref name="column"/> holds <paramref name="value"/>.</summary>
    public static IDataView WithValue(IDataView source, string column, long row, float value)
    {
        var type = source.Schema[column].Type;
        return new AlteredDataView(source, column, type, (cursor, original) => type is VectorDataViewType
            ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
            {
                ((ValueGetter<VBuffer<float>>)original)(ref v);
                if (cursor.Position == row)
                {
                    var values = v.DenseValues().ToArray();
                    values[^1] = value;
                    v = new VBuffer<float>(values.Length, values);
                }
            })
            : (ValueGetter<float>)((ref float v) =>
            {
                ((ValueGetter<float>)original)(ref v);
                if (cursor.Position == row)
                    v = value;
            }));
    }

    /// <summary>Row <paramref name="row"/> of key column <paramref name="column"/> holds <paramref name="key"/>, in range or not.</summary>
    public static IDataView WithKey(IDataView source, string column, long row, uint key) =>
        new AlteredDataView(source, column, source.Schema[column].Type, (cursor, original) => (ValueGetter<uint>)((ref uint v) =>
        {
            ((ValueGetter<uint>)original)(ref v);
            if (cursor.Position == row)
                v = key;
        }));

    /// <summary>Column <paramref name="column"/> becomes text (or, if it is text, a Single).</summary>
    public static IDataView WithWrongType(IDataView source, string column) =>
        source.Schema[column].Type is TextDataViewType
            ? new AlteredDataView(source, column, NumberDataViewType.Single, (_, _) => (ValueGetter<float>)((ref float v) => v = 1))
            : new AlteredDataView(source, column, TextDataViewType.Instance, (_, _) => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = "oops".AsMemory()));

    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, _source.GetRowCursor(columnsNeeded.Select(c => _source.Schema[c.Index])));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(AlteredDataView parent, DataViewRowCursor source) : DataViewRowCursor
    {
        public override DataViewSchema Schema => parent.Schema;
        public override long Position => source.Position;
        public override long Batch => source.Batch;
        public override bool MoveNext() => source.MoveNext();
        public override bool IsColumnActive(DataViewSchema.Column column) => source.IsColumnActive(source.Schema[column.Index]);
        public override ValueGetter<DataViewRowId> GetIdGetter() => source.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index != parent._column)
                return source.GetGetter<TValue>(source.Schema[column.Index]);
            var original = parent.Schema[column.Index].Type == source.Schema[column.Index].Type ? source.GetGetter<TValue>(source.Schema[column.Index]) : null;
            return (ValueGetter<TValue>)parent._getter(this, original!);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                source.Dispose();
            base.Dispose(disposing);
        }
    }
}
