namespace BigModel.MLNet.Glue.Columns;

/// <summary>
/// Errors for values the package itself refuses (NaN, an unseen key, an out-of-range label), named with column and row.
/// They are marked, so that error handling tells them from failures of the pipeline steps before the model.
/// </summary>
internal static class BadValues
{
    private const string Marker = "BigModel.MLNet.BadValue";

    public static InvalidDataException Create(string message)
    {
        var error = new InvalidDataException(message);
        error.Data[Marker] = true;
        return error;
    }

    public static bool Is(Exception e) => e.Data.Contains(Marker);
}
