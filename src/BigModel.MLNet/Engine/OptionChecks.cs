using System.Globalization;

namespace BigModel.MLNet.Engine;

/// <summary>
/// The range checks every options class runs in its <c>Validate</c>: each rejects NaN and infinity, and its message
/// names the option, the value and the allowed range.
/// </summary>
internal static class OptionChecks
{
    /// <summary>Requires <paramref name="min"/> ≤ <paramref name="value"/> ≤ <paramref name="max"/>.</summary>
    public static void Range(int value, string name, int min, int max)
    {
        if (value < min || value > max)
            throw OutOfRange(name, value, $"between {min:N0} and {max:N0}");
    }

    /// <summary>Requires a finite value in [<paramref name="min"/>, <paramref name="max"/>], or [min, max) when
    /// <paramref name="maxExclusive"/>, or (min, …] when <paramref name="minExclusive"/>.</summary>
    public static void Range(double value, string name, double min, double max, bool minExclusive = false, bool maxExclusive = false)
    {
        bool aboveMin = minExclusive ? value > min : value >= min;
        bool belowMax = maxExclusive ? value < max : value <= max;
        if (!double.IsFinite(value) || !aboveMin || !belowMax)
            throw OutOfRange(name, value, $"a number in {(minExclusive ? "(" : "[")}{Format(min)}, {Format(max)}{(maxExclusive ? ")" : "]")}");
    }

    /// <summary>A probability-like rate in [0, 1): dropout, validation fractions, momentum.</summary>
    public static void Fraction(double value, string name) => Range(value, name, 0, 1, maxExclusive: true);

    /// <summary>Requires every element within the range (and at least one element when <paramref name="required"/>).</summary>
    public static void Each(IReadOnlyList<int>? values, string name, int min, int max, bool required = true)
    {
        if (values is null || (required && values.Count == 0))
        {
            if (required)
                throw new ArgumentOutOfRangeException(name, $"{name} needs at least one value, each between {min:N0} and {max:N0}.");
            return;
        }
        foreach (int value in values)
            Range(value, name, min, max);
    }

    /// <summary>Requires every element finite and within the range.</summary>
    public static void Each(IReadOnlyList<float>? values, string name, double min, double max, bool minExclusive = false)
    {
        foreach (float value in values ?? [])
            Range(value, name, min, max, minExclusive);
    }

    /// <summary>Requires a value its enum defines.</summary>
    public static void Defined<TEnum>(TEnum value, string name) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; it must be one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
    }

    /// <summary>Requires a column name.</summary>
    public static void Column(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException($"{name} must name a column.", name);
    }

    private static ArgumentOutOfRangeException OutOfRange(string name, object value, string allowed) =>
        new(name, value, $"{name} is {Format(value)}; it must be {allowed}.");

    private static string Format(object value) => value switch
    {
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
