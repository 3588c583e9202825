using Microsoft.ML;

namespace BigModel.MLNet.Glue;

/// <summary>Row counts of data views, which often do not know theirs (filters, splits, text files).</summary>
internal static class DataViewRows
{
    /// <summary>
    /// The view's own count when it knows it, else one pass of a cursor with no columns; either way at most
    /// <paramref name="atMost"/> (the pass stops there).
    /// </summary>
    public static long Count(IDataView data, long atMost = long.MaxValue)
    {
        if (data.GetRowCount() is long known)
            return Math.Min(known, atMost);
        long count = 0;
        using var cursor = data.GetRowCursor([]);
        while (count < atMost && cursor.MoveNext())
            count++;
        return count;
    }
}
