using System.Globalization;

namespace BigModel.MLNet.Tuning;

/// <summary>One dimension of a <see cref="SearchSpace"/>: a named option (or pipeline choice) and the values it may take.</summary>
/// <param name="Name">The options property it sets, or a name the pipeline factory reads from <see cref="TrialParameters"/>.</param>
public abstract record SearchParameter(string Name)
{
    /// <summary>A random value.</summary>
    public abstract object? Sample(Random random);

    /// <summary><paramref name="points"/> values spread over the parameter (all choices for a choice).</summary>
    public abstract IReadOnlyList<object?> Grid(int points);

    /// <summary>The value the options class starts from.</summary>
    public abstract object? Initial { get; }
}

/// <summary>
/// A number in [<see cref="Min"/>, <see cref="Max"/>], uniform or uniform in its logarithm (each decade equally
/// likely), whole when <see cref="IsInteger"/>.
/// </summary>
public sealed record RangeParameter(string Name, double Min, double Max, double Init, bool LogScale = false, bool IsInteger = false) : SearchParameter(Name)
{
    /// <inheritdoc />
    public override object? Initial => Convert(Init);

    /// <inheritdoc />
    public override object? Sample(Random random) => Convert(At(random.NextDouble()));

    /// <inheritdoc />
    public override IReadOnlyList<object?> Grid(int points) =>
        points <= 1 ? [Initial] : Enumerable.Range(0, points).Select(i => (object?)Convert(At((double)i / (points - 1)))).Distinct().ToList();

    /// <summary>The value at <paramref name="fraction"/> ∈ [0, 1] of the range (of its logarithm with <see cref="LogScale"/>).</summary>
    private double At(double fraction) => LogScale
        ? Math.Exp(Math.Log(Min) + fraction * (Math.Log(Max) - Math.Log(Min)))
        : Min + fraction * (Max - Min);

    private object Convert(double value) => IsInteger ? (int)Math.Clamp(Math.Round(value), Min, Max) : value;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} ∈ [{Min:G4}, {Max:G4}]{(LogScale ? " log" : "")}{(IsInteger ? " int" : "")}, from {Init:G4}");
}

/// <summary>One of <see cref="Choices"/> (options values, or pipeline choices such as an architecture).</summary>
public sealed record ChoiceParameter(string Name, IReadOnlyList<object?> Choices, object? Init) : SearchParameter(Name)
{
    /// <inheritdoc />
    public override object? Initial => Init;

    /// <inheritdoc />
    public override object? Sample(Random random) => Choices[random.Next(Choices.Count)];

    /// <inheritdoc />
    public override IReadOnlyList<object?> Grid(int points) => Choices;

    /// <inheritdoc />
    public override string ToString() => $"{Name} ∈ {{{string.Join(", ", Choices)}}}, from {Init}";
}
