using BigModel.MLNet.Export;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models;

/// <summary>
/// Piecewise-linear encoding of numeric features (Gorishniy et al., "On Embeddings for Numerical Features in Tabular
/// Deep Learning", 2022): each feature becomes one value per bin between quantiles of the training data — 0 below the
/// bin, 1 above it, linear inside; the first bin is open below and the last above, so values beyond the training range
/// still move the encoding. The network then sees where a value lies in its feature's distribution, so skew, heavy
/// tails and odd units stop mattering. Exported to ONNX as Gather, Sub, Mul, Max and Min.
/// </summary>
internal sealed class PiecewiseLinearEncoding : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private const float Far = 3e38f;
    private readonly Tensor feature;
    private readonly Tensor left;
    private readonly Tensor inverse_width;
    private readonly Tensor lower;
    private readonly Tensor upper;

    /// <param name="edges">Per feature, its strictly increasing bin edges; fewer than two means the feature gets no bins.</param>
    public PiecewiseLinearEncoding(IReadOnlyList<float[]> edges) : base(nameof(PiecewiseLinearEncoding))
    {
        var bins = edges.SelectMany((e, f) => Enumerable.Range(0, BinsBetween(e)).Select(b => (Feature: f, Edges: e, Bin: b))).ToList();
        Width = bins.Count;
        feature = tensor(bins.Select(b => (long)b.Feature).ToArray(), [Width]).DetachFromDisposeScope();
        left = tensor(bins.Select(b => b.Edges[b.Bin]).ToArray(), [Width]).DetachFromDisposeScope();
        inverse_width = tensor(bins.Select(b => 1 / (b.Edges[b.Bin + 1] - b.Edges[b.Bin])).ToArray(), [Width]).DetachFromDisposeScope();
        lower = tensor(bins.Select(b => b.Bin == 0 ? -Far : 0f).ToArray(), [Width]).DetachFromDisposeScope();
        upper = tensor(bins.Select(b => b.Bin == b.Edges.Length - 2 ? Far : 1f).ToArray(), [Width]).DetachFromDisposeScope();
        RegisterComponents();
    }

    /// <summary>The bins a feature's edges make (none for fewer than two edges).</summary>
    private static int BinsBetween(float[] edges) => Math.Max(0, edges.Length - 1);

    /// <summary>The encoded width: the bins of all features.</summary>
    public int Width { get; }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var position = (input.index_select(1, feature) - left) * inverse_width;
        return position.clamp(lower, upper).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, string input, ModuleExporter export)
    {
        string Floats(string hint, Tensor value) => graph.AddInitializer(hint, LayerExporter.ToArray(value), Width);
        long[] features = feature.data<long>().ToArray();
        string gathered = graph.AddNode("Gather", [input, graph.AddInitializer("ple_feature", features, Width)], null, OnnxAttribute.Of("axis", 1L));
        string position = graph.AddNode("Mul", [graph.AddNode("Sub", [gathered, Floats("ple_left", left)]), Floats("ple_inverse_width", inverse_width)]);
        return graph.AddNode("Min", [graph.AddNode("Max", [position, Floats("ple_lower", lower)]), Floats("ple_upper", upper)]);
    }

    /// <summary>
    /// The most values the encoding gives all features together. Hundreds of dense features (pixels) at full
    /// resolution would make the first layer tens of thousands of inputs wide, which a few thousand rows overfit:
    /// Fashion-MNIST's 784 pixels in 32 bins made 33,704 values and scored 0.6–1.1 points below the same network with
    /// 4 bins (docs/benchmarks.md).
    /// </summary>
    public const int MaxWidth = 8_192;

    /// <summary>
    /// Bin edges at <paramref name="bins"/> + 1 quantiles of each slot of <paramref name="column"/> (repeated quantiles
    /// merge, so a 0/1 feature gets one bin; values holding more than one bin's share of the rows add the quantiles of
    /// the other rows), from <paramref name="data"/>'s first rows (<see cref="SampleRows"/>). When the bins would pass
    /// <see cref="MaxWidth"/> values, every feature gets half as many, down to 2; null when even that is too wide.
    /// Either is told to <paramref name="log"/>, since it overrides the bins the options asked for. With
    /// <paramref name="slots"/>, only those slots are encoded, in that order.
    /// </summary>
    public static PiecewiseLinearEncoding? Fit(IDataView data, string column, int bins, Action<string>? log = null, int[]? slots = null)
    {
        var values = ValuesBySlot(data, column, slots);
        foreach (var list in values)
            list.Sort();
        for (int tried = bins; tried >= 2; tried /= 2)
        {
            var edges = values.Select(v => Quantiles(v, tried)).ToList();
            int width = edges.Sum(BinsBetween);
            if (width > MaxWidth)
                continue;
            if (tried < bins)
                log?.Invoke($"Quantile bins: {tried} per feature instead of {bins} for the {values.Length} features of '{column}', which keeps the encoding within {MaxWidth:N0} values ({width:N0}).");
            return new PiecewiseLinearEncoding(edges);
        }
        log?.Invoke($"Quantile bins: none for the {values.Length} features of '{column}', which even at 2 per feature pass {MaxWidth:N0} values; they are standardised only.");
        return null;
    }

    /// <summary>
    /// Rows read for the quantiles: 100,000 at most, and fewer for wide vectors, so that the sample stays within 50
    /// million values (200 MB): a bag of words 50,000 features wide on 100,000 rows would otherwise take 20 GB.
    /// </summary>
    private static int SampleRows(int width) => (int)Math.Clamp(50_000_000L / Math.Max(1, width), 256, 100_000);

    /// <summary>The finite values of each of <paramref name="slots"/> (all slots when null), in that order.</summary>
    private static List<float>[] ValuesBySlot(IDataView data, string column, int[]? slots)
    {
        var col = data.Schema[column];
        slots ??= Enumerable.Range(0, ((VectorDataViewType)col.Type).Size).ToArray();
        var values = slots.Select(_ => new List<float>()).ToArray();
        using var cursor = data.GetRowCursor([col]);
        var getter = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> row = default;
        for (int n = SampleRows(slots.Length); n > 0 && cursor.MoveNext(); n--)
        {
            getter(ref row);
            ReadOnlySpan<float> dense = row.IsDense ? row.GetValues() : row.DenseValues().ToArray();
            for (int i = 0; i < slots.Length; i++)
            {
                float x = dense[slots[i]];
                if (float.IsFinite(x))
                    values[i].Add(x);
            }
        }
        return values;
    }

    // Expects values sorted: Fit sorts each slot once for every bin count it tries.
    private static float[] Quantiles(List<float> values, int bins)
    {
        if (values.Count == 0)
            return [];
        var edges = QuantilesOfSorted(values, bins);
        // A value that holds more than a bin's share (0 in a zero-inflated column) swallows the quantiles around it and
        // leaves the rest of the range with few edges; the rows off such values get their own quantiles.
        var heavy = new HashSet<float>();
        for (int start = 0, end; start < values.Count; start = end)
        {
            for (end = start + 1; end < values.Count && values[end] == values[start]; end++) { }
            if (end - start > values.Count / bins)
                heavy.Add(values[start]);
        }
        if (heavy.Count == 0)
            return edges;
        var rest = values.Where(v => !heavy.Contains(v)).ToList();
        return rest.Count == 0 ? edges : edges.Concat(QuantilesOfSorted(rest, bins)).Distinct().Order().ToArray();
    }

    private static float[] QuantilesOfSorted(List<float> values, int bins) => Enumerable.Range(0, bins + 1)
        .Select(q => values[(int)Math.Round((double)q / bins * (values.Count - 1))])
        .Distinct()
        .ToArray();
}
