using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Glue;

/// <summary>
/// Holds one input column's values for every row of a batch, so that rows can be served after the
/// upstream cursor has moved on to read (and score) the whole batch.
/// </summary>
internal abstract class ColumnBuffer
{
    /// <summary>Copies the upstream cursor's current value into slot <paramref name="slot"/>.</summary>
    public abstract void Fill(int slot);

    /// <summary>A getter serving the slot that <paramref name="currentSlot"/> names.</summary>
    public abstract Delegate Getter(Func<int> currentSlot);

    public static ColumnBuffer Create(DataViewRow upstream, DataViewSchema.Column column, int batchSize)
    {
        var raw = column.Type.RawType;
        var type = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(VectorBuffer<>).MakeGenericType(raw.GetGenericArguments()[0])
            : typeof(ScalarBuffer<>).MakeGenericType(raw);
        return (ColumnBuffer)Activator.CreateInstance(type, upstream, column, batchSize)!;
    }

    private sealed class ScalarBuffer<T>(DataViewRow upstream, DataViewSchema.Column column, int batchSize) : ColumnBuffer
    {
        private readonly ValueGetter<T> _source = upstream.GetGetter<T>(column);
        private readonly T[] _values = new T[batchSize];

        public override void Fill(int slot) => _source(ref _values[slot]);

        public override Delegate Getter(Func<int> currentSlot) => (ValueGetter<T>)((ref T value) => value = _values[currentSlot()]);
    }

    /// <summary>Vectors are copied out, so callers never share (and overwrite) the buffer's arrays.</summary>
    private sealed class VectorBuffer<T>(DataViewRow upstream, DataViewSchema.Column column, int batchSize) : ColumnBuffer
    {
        private readonly ValueGetter<VBuffer<T>> _source = upstream.GetGetter<VBuffer<T>>(column);
        private readonly VBuffer<T>[] _values = new VBuffer<T>[batchSize];

        public override void Fill(int slot) => _source(ref _values[slot]);

        public override Delegate Getter(Func<int> currentSlot) =>
            (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => _values[currentSlot()].CopyTo(ref value));
    }
}
