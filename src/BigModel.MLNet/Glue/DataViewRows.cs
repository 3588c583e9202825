using Microsoft.ML;

namespace BigModel.MLNet.Glue;

/// <summary>Row counts of data views, which often do not know theirs (filters, splits, text files).</summary>
internal static class DataViewRows
{
    /// <summary>The view's own count when it knows it, else one pass of a cursor with no columns.</summary>
    public static long Count(IDataView data)
    {
        if (data.GetRowCount() is long known)
            return known;
        long count = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
            count++;
        return count;
    }
}
