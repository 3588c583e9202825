using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

/// <summary>How the benchmark sections time things.</summary>
static class Measure
{
    /// <summary>The median of <paramref name="runs"/> measurements, after one warm-up run.</summary>
    public static double Median(Func<double> measure, int runs = 5)
    {
        measure();
        return Middle(Enumerable.Range(0, runs).Select(_ => measure()).ToArray());
    }

    private static double Middle(double[] values) => values.Order().ElementAt(values.Length / 2);

    /// <summary>
    /// The medians of two measurements taken in turns (a, b, a, b, …) after a warm-up of each, so that whatever drifts
    /// during a run (another process, the other model's idle threads) weighs on both alike. Measured one after the
    /// other instead, the second of two identical ONNX graphs scored about 15% slower.
    /// </summary>
    public static (double A, double B) MedianPair(Func<double> a, Func<double> b, int runs = 5)
    {
        a();
        b();
        var first = new double[runs];
        var second = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            first[i] = a();
            second[i] = b();
        }
        return (Middle(first), Middle(second));
    }

    /// <summary>
    /// Scoring rows/s of a trained model's batched <c>Transform</c> and of the same model saved and reloaded (ML.NET's
    /// transformers, one row at a time), each the median of <paramref name="runs"/> passes over <paramref name="data"/>,
    /// taken in turns.
    /// </summary>
    public static (double Batched, double RowByRow) ScoringRates(MLContext ml, ITransformer model, IDataView data, int runs = 5)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bigmodel-bench-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, data.Schema, path);
        var reloaded = ml.Model.Load(path, out _);
        File.Delete(path);
        return MedianPair(() => ScoredRowsPerSecond(model.Transform(data)), () => ScoredRowsPerSecond(reloaded.Transform(data)), runs);
    }

    /// <summary>Rows per second while reading every row's <c>Score</c> (a scalar or a vector) from a scored view.</summary>
    public static double ScoredRowsPerSecond(IDataView scored)
    {
        var clock = Stopwatch.StartNew();
        var column = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([column]);
        Action read = column.Type is VectorDataViewType ? Reader<VBuffer<float>>(cursor, column) : Reader<float>(cursor, column);
        long count = 0;
        while (cursor.MoveNext())
        {
            read();
            count++;
        }
        return count / clock.Elapsed.TotalSeconds;
    }

    private static Action Reader<T>(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        return () => getter(ref value);
    }
}
