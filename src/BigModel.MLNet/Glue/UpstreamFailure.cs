using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Glue;

/// <summary>
/// Explains a failure of the pipeline steps before a model — an image file that does not decode, a custom mapping that
/// throws — by the columns read, the cause, and the failing row with its text columns (for images from
/// <c>LoadImages</c>, the file's path). ML.NET computes some steps on worker threads ahead of the reader, so the reader's
/// own position is not the failing row: the row is found by reading the data again on one thread, and left out when it
/// cannot be found rather than guessed.
/// </summary>
internal static class UpstreamFailure
{
    /// <summary>Whether <paramref name="e"/> is a failure upstream rather than one of the package's own verdicts.</summary>
    public static bool IsUpstream(Exception e) => !Columns.BadValues.Is(e) && e is not (OperationCanceledException or OutOfMemoryException);

    /// <summary>An error naming <paramref name="what"/> ("The training data"), the columns, the cause and, when found, the row.</summary>
    public static InvalidDataException Explain(IDataView data, IReadOnlyList<DataViewSchema.Column> columns, string what, Exception error)
    {
        var row = Locate(data, columns);
        string located = row is { } found
            ? $" It fails at row {found.Position}{found.Description}."
            : " The failing row could not be told (the step failed while reading ahead).";
        // The failure found on one thread comes without the wrappers of ML.NET's worker threads.
        return new InvalidDataException(
            $"{what} could not be read (columns '{string.Join("', '", columns.Select(c => c.Name))}'): {Cause(row?.Error ?? error)}." +
            located + " The step before the model failed there: check that row's value (for images, that the file is a readable picture).", error);
    }

    /// <summary>The first message past ML.NET's wrappers, with the innermost one when it adds something.</summary>
    internal static string Cause(Exception error)
    {
        var first = error;
        while (first is System.Reflection.TargetInvocationException or AggregateException && first.InnerException is not null)
            first = first.InnerException;
        var innermost = first;
        while (innermost.InnerException is not null)
            innermost = innermost.InnerException;
        string message = Engine.NativeErrors.Clean(first.Message).TrimEnd('.');
        string inner = Engine.NativeErrors.Clean(innermost.Message).TrimEnd('.');
        return message.Contains(inner, StringComparison.Ordinal) ? message : $"{message}: {inner}";
    }

    /// <summary>Reads <paramref name="columns"/> row by row on one cursor until a getter fails; null when none does.</summary>
    private static (long Position, string Description, Exception Error)? Locate(IDataView data, IReadOnlyList<DataViewSchema.Column> columns)
    {
        var texts = data.Schema.Where(c => !c.IsHidden && c.Type is TextDataViewType && !columns.Contains(c)).Take(3).ToList();
        try
        {
            // A cursor set of one: upstream mappings then run in this thread's getter calls, in row order.
            using var cursor = data.GetRowCursorSet(columns.Concat(texts), 1)[0];
            var values = columns.Select(c => ColumnBuffer.Create(cursor, c, 1)).ToList();
            var textValues = texts.Select(c => cursor.GetGetter<ReadOnlyMemory<char>>(c)).ToList();
            while (cursor.MoveNext())
            {
                try
                {
                    foreach (var value in values)
                        value.Fill(0);
                }
                catch (Exception e) when (IsUpstream(e))
                {
                    return (cursor.Position, Describe(texts, textValues), e);
                }
            }
        }
        catch (Exception e) when (IsUpstream(e))
        {
            // The step fails in MoveNext (a filter or cache reading ahead): the row cannot be told.
        }
        return null;
    }

    private static string Describe(List<DataViewSchema.Column> texts, List<ValueGetter<ReadOnlyMemory<char>>> getters)
    {
        var parts = new List<string>();
        for (int i = 0; i < texts.Count; i++)
        {
            ReadOnlyMemory<char> value = default;
            getters[i](ref value);
            string text = value.Length > 200 ? value[..200] + "…" : value.ToString();
            parts.Add($"{texts[i].Name} = '{text}'");
        }
        return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
    }
}
