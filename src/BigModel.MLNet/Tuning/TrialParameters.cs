using System.Collections;
using System.Globalization;

namespace BigModel.MLNet.Tuning;

/// <summary>The values one trial tries, by parameter name: options values and the pipeline's own choices.</summary>
public sealed class TrialParameters(IReadOnlyDictionary<string, object?> values) : IReadOnlyDictionary<string, object?>
{
    /// <summary>The value of <paramref name="name"/> as <typeparamref name="T"/> (numbers convert, e.g. an int to a double).</summary>
    /// <exception cref="KeyNotFoundException">The trial has no such parameter (the message lists those it has).</exception>
    public T Get<T>(string name)
    {
        if (!values.TryGetValue(name, out var value))
            throw new KeyNotFoundException($"The trial has no parameter '{name}'; it has {string.Join(", ", values.Keys)}.");
        return value is T typed ? typed : (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture)!;
    }

    /// <inheritdoc />
    public object? this[string key] => values[key];
    /// <inheritdoc />
    public IEnumerable<string> Keys => values.Keys;
    /// <inheritdoc />
    public IEnumerable<object?> Values => values.Values;
    /// <inheritdoc />
    public int Count => values.Count;
    /// <inheritdoc />
    public bool ContainsKey(string key) => values.ContainsKey(key);
    /// <inheritdoc />
    public bool TryGetValue(string key, out object? value) => values.TryGetValue(key, out value);
    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", values.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}={Format(p.Value)}")));

    private static string Format(object? value) => value switch
    {
        double d => d.ToString("G4", CultureInfo.InvariantCulture),
        Array a => $"[{string.Join(", ", a.Cast<object>())}]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
    };
}
