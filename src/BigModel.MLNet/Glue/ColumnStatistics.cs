using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Glue;

/// <summary>
/// Means and standard deviations of a <c>Single</c> (or <c>Single</c>-vector) column, slot by slot, from one pass over
/// the data: what in-model standardisation of labels and features adapts to, as Keras's <c>Normalization</c> layer
/// adapts. Non-finite values are skipped (training refuses them with a clear error later).
/// </summary>
internal static class ColumnStatistics
{
    /// <summary>Per-slot mean and standard deviation; a slot without spread (or without values) gets deviation 1.</summary>
    public static (float[] Mean, float[] Std) Of(IDataView data, string column)
    {
        var col = data.Schema[column];
        int width = col.Type is VectorDataViewType vector ? vector.Size : 1;
        var count = new long[width];
        var mean = new double[width];
        var squares = new double[width];
        void Add(int slot, float value)
        {
            if (!float.IsFinite(value))
                return;
            double delta = value - mean[slot];
            mean[slot] += delta / ++count[slot];
            squares[slot] += delta * (value - mean[slot]); // Welford: stable for large offsets
        }
        using (var cursor = data.GetRowCursor([col]))
        {
            if (col.Type is VectorDataViewType)
            {
                var getter = cursor.GetGetter<VBuffer<float>>(col);
                VBuffer<float> value = default;
                while (cursor.MoveNext())
                {
                    getter(ref value);
                    int slot = 0;
                    foreach (float x in value.DenseValues())
                        Add(slot++, x);
                }
            }
            else
            {
                var getter = cursor.GetGetter<float>(col);
                float value = 0;
                while (cursor.MoveNext())
                {
                    getter(ref value);
                    Add(0, value);
                }
            }
        }
        var std = new float[width];
        for (int i = 0; i < width; i++)
        {
            double deviation = count[i] > 1 ? Math.Sqrt(squares[i] / count[i]) : 0;
            std[i] = deviation > 1e-6 * Math.Max(1, Math.Abs(mean[i])) ? (float)deviation : 1f;
        }
        return (mean.Select(m => (float)m).ToArray(), std);
    }
}
