using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Glue;

/// <summary>An in-memory data view of key columns (user/item pairs to score), typed like the model's training data.</summary>
internal sealed class KeyColumnsDataView : IDataView
{
    private readonly uint[][] _values;

    /// <param name="columns">Each column's name and key type, taken from the training data's schema.</param>
    /// <param name="values">One array of keys per column, all of the same length.</param>
    public KeyColumnsDataView(IReadOnlyList<DataViewSchema.Column> columns, uint[][] values)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var column in columns)
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        Schema = builder.ToSchema();
        _values = values;
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => _values[0].Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    private sealed class Cursor(KeyColumnsDataView parent) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;
        public override bool MoveNext() => ++_position < parent._values[0].Length;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var keys = parent._values[column.Index];
            ValueGetter<uint> getter = (ref uint value) => value = keys[_position];
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' holds keys (UInt32).");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
    }
}
