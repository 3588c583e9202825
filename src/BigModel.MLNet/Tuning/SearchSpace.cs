using System.Reflection;
using Microsoft.ML.SearchSpace;

namespace BigModel.MLNet.Tuning;

/// <summary>
/// The parameters a tuner may change, read from an options class's <c>[Range]</c>, <c>[Choice]</c> and
/// <c>[BooleanChoice]</c> attributes (the ones ML.NET's AutoML reads), which the user can narrow, widen, fix, remove or
/// extend — also with choices the options class does not have, which the pipeline factory reads from the trial.
/// </summary>
/// <remarks>
/// Every range starts at the options class's default (a test checks it). <c>[Range(…, logBase: true)]</c> samples the
/// logarithm uniformly, so each decade of a learning-rate range is equally likely.
/// </remarks>
public sealed class SearchSpace
{
    private readonly List<SearchParameter> _parameters;

    /// <summary>A space of the given parameters.</summary>
    public SearchSpace(IEnumerable<SearchParameter> parameters) => _parameters = [.. parameters];

    /// <summary>The parameters, in the options class's order, then those added.</summary>
    public IReadOnlyList<SearchParameter> Parameters => _parameters;

    /// <summary>The space the attributes of <typeparamref name="TOptions"/> describe.</summary>
    public static SearchSpace For<TOptions>() => For(typeof(TOptions));

    /// <summary>The space the attributes of <paramref name="optionsType"/>'s public properties describe.</summary>
    public static SearchSpace For(Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        var parameters = new List<SearchParameter>();
        foreach (var property in optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            if (property.GetCustomAttribute<RangeAttribute>() is { } range)
            {
                bool integer = range.Min is int;
                double min = System.Convert.ToDouble(range.Min), max = System.Convert.ToDouble(range.Max);
                double init = range.Init is null ? (range.LogBase ? Math.Sqrt(min * max) : (min + max) / 2) : System.Convert.ToDouble(range.Init);
                parameters.Add(new RangeParameter(property.Name, min, max, init, range.LogBase, integer));
            }
            else if (property.GetCustomAttribute<ChoiceAttribute>() is { } choice)
            {
                parameters.Add(new ChoiceParameter(property.Name, choice.Candidates, choice.DefaultValue ?? choice.Candidates[0]));
            }
            else if (property.GetCustomAttribute<BooleanChoiceAttribute>() is { } boolean)
            {
                parameters.Add(new ChoiceParameter(property.Name, [true, false], boolean.DefaultValue));
            }
        }
        return new SearchSpace(parameters);
    }

    /// <summary>The parameter named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is none (the message lists the names).</exception>
    public SearchParameter this[string name] => _parameters.FirstOrDefault(p => p.Name == name)
        ?? throw new KeyNotFoundException($"The search space has no parameter '{name}'; it has {string.Join(", ", _parameters.Select(p => p.Name))}.");

    /// <summary>Searches <paramref name="name"/> over [<paramref name="min"/>, <paramref name="max"/>] (narrower or wider
    /// than its attribute), keeping or changing its log scale; the start is clamped into the new range.</summary>
    public SearchSpace Range(string name, double min, double max, bool? logScale = null)
    {
        if (!(min < max) || (logScale ?? (this[name] as RangeParameter)?.LogScale ?? false) && min <= 0)
            throw new ArgumentOutOfRangeException(nameof(min), $"The range of '{name}' must have min < max (and min > 0 on a log scale).");
        var old = this[name] as RangeParameter ?? throw new ArgumentException($"'{name}' is a choice, not a range.", nameof(name));
        return Replace(old with { Min = min, Max = max, LogScale = logScale ?? old.LogScale, Init = Math.Clamp(old.Init, min, max) });
    }

    /// <summary>Keeps <paramref name="name"/> at <paramref name="value"/> in every trial.</summary>
    public SearchSpace Fix(string name, object? value) => Choose(name, value);

    /// <summary>Searches <paramref name="name"/> over <paramref name="choices"/> — also a name the options class does not
    /// have (an architecture, an embedding size), which the pipeline factory reads from the trial.</summary>
    public SearchSpace Choose(string name, params object?[] choices)
    {
        if (choices.Length == 0)
            throw new ArgumentException($"Give '{name}' at least one choice.", nameof(choices));
        var parameter = new ChoiceParameter(name, choices, choices[0]);
        return _parameters.Any(p => p.Name == name) ? Replace(parameter) : Add(parameter);
    }

    /// <summary>Adds a parameter (replacing one of the same name).</summary>
    public SearchSpace Add(SearchParameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return new SearchSpace(_parameters.Where(p => p.Name != parameter.Name).Append(parameter));
    }

    /// <summary>Leaves <paramref name="names"/> at their options' defaults.</summary>
    public SearchSpace Remove(params string[] names) => new(_parameters.Where(p => !names.Contains(p.Name)));

    /// <summary>Every parameter at its start value: the options class's defaults.</summary>
    public TrialParameters Defaults() => new(_parameters.ToDictionary(p => p.Name, p => p.Initial));

    /// <summary>A random trial.</summary>
    public TrialParameters Sample(Random random) => new(_parameters.ToDictionary(p => p.Name, p => p.Sample(random)));

    /// <summary>Every combination of <paramref name="pointsPerRange"/> values per range and every choice, first
    /// parameter slowest.</summary>
    public IEnumerable<TrialParameters> Grid(int pointsPerRange)
    {
        IEnumerable<Dictionary<string, object?>> combinations = [new Dictionary<string, object?>()];
        foreach (var parameter in _parameters)
        {
            var values = parameter.Grid(pointsPerRange);
            combinations = combinations.SelectMany(c => values.Select(v => new Dictionary<string, object?>(c) { [parameter.Name] = v })).ToList();
        }
        return combinations.Select(c => new TrialParameters(c));
    }

    /// <summary>
    /// Sets every parameter that <paramref name="options"/> has as a property (converting numbers to its type); the rest
    /// stay in the trial for the pipeline factory.
    /// </summary>
    public static void Apply(object options, TrialParameters trial)
    {
        foreach (var (name, value) in trial)
        {
            var property = options.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            if (property is null || !property.CanWrite)
                continue;
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            property.SetValue(options, value is null || type.IsInstanceOfType(value) ? value
                : type.IsEnum ? Enum.ToObject(type, value) : System.Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private SearchSpace Replace(SearchParameter parameter) => new(_parameters.Select(p => p.Name == parameter.Name ? parameter : p));

    /// <inheritdoc />
    public override string ToString() => string.Join("; ", _parameters);
}
