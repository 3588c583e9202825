using BigModel.MLNet.Export;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models;

/// <summary>
/// Entity embeddings for categories that arrive one-hot inside the feature vector: each range of one-hot slots
/// (ML.NET's <c>CategoricalSlotRanges</c> annotation, which <c>OneHotEncoding</c> sets and <c>Concatenate</c> keeps)
/// becomes a small learned table, and a row's slots select its category's entry (a product with the table, so a row
/// with no slot set — a category the encoding never saw — gets zeros, and a bag of categories gets the sum of theirs).
/// This is what the MLP does for key columns (<see cref="Mlp.MlpOptions.CategoricalColumnNames"/>), given to the
/// pipeline users write first. Exported to ONNX as Gather and MatMul.
/// </summary>
internal sealed class OneHotEmbedding : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly IReadOnlyList<SlotRange> ranges;
    private readonly ParameterList tables;

    /// <param name="ranges">The one-hot ranges of the feature vector, in slot order.</param>
    /// <param name="width">The embedding width for a category of so many values.</param>
    public OneHotEmbedding(IReadOnlyList<SlotRange> ranges, Func<int, int> width) : base(nameof(OneHotEmbedding))
    {
        this.ranges = ranges;
        tables = new ParameterList();
        foreach (var range in ranges)
        {
            var table = empty(range.Count, width(range.Count));
            using (no_grad())
                nn.init.normal_(table, 0, 0.01);
            tables.Add(new Parameter(table));
        }
        RegisterComponents();
    }

    /// <summary>The embeddings' total width.</summary>
    public int Width => tables.Sum(t => (int)t.shape[1]);

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var parts = ranges.Select((range, i) => input.narrow(1, range.Start, range.Count).matmul(tables[i])).ToList();
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, string input, ModuleExporter export)
    {
        var parts = ranges.Select((range, i) =>
        {
            long[] slots = Enumerable.Range(range.Start, range.Count).Select(s => (long)s).ToArray();
            string selected = graph.AddNode("Gather", [input, graph.AddInitializer("onehot_slots", slots, slots.Length)], null, OnnxAttribute.Of("axis", 1L));
            return graph.AddNode("MatMul", [selected, graph.AddInitializer("onehot_embedding", LayerExporter.ToArray(tables[i]), tables[i].shape)]);
        }).ToArray();
        return parts.Length == 1 ? parts[0] : graph.AddNode("Concat", parts, null, OnnxAttribute.Of("axis", 1L));
    }

    /// <summary>
    /// The one-hot ranges <paramref name="column"/> declares (none when it has no <c>CategoricalSlotRanges</c>
    /// annotation), checked to lie inside its <paramref name="width"/> slots without overlapping.
    /// </summary>
    public static IReadOnlyList<SlotRange> RangesOf(DataViewSchema.Column column, int width)
    {
        // The annotation's name is ML.NET's AnnotationUtils.Kinds.CategoricalSlotRanges (not public): pairs of first and
        // last slot, inclusive.
        const string kind = "CategoricalSlotRanges";
        if (column.Annotations.Schema.GetColumnOrNull(kind) is null)
            return [];
        VBuffer<int> pairs = default;
        column.Annotations.GetValue(kind, ref pairs);
        var bounds = pairs.DenseValues().ToArray();
        var ranges = Enumerable.Range(0, bounds.Length / 2)
            .Select(i => new SlotRange(bounds[2 * i], bounds[2 * i + 1] - bounds[2 * i] + 1))
            .OrderBy(r => r.Start).ToList();
        for (int i = 0; i < ranges.Count; i++)
        {
            var range = ranges[i];
            bool overlaps = i > 0 && range.Start < ranges[i - 1].Start + ranges[i - 1].Count;
            if (range.Start < 0 || range.Count < 1 || range.Start + range.Count > width || overlaps)
                throw new InvalidOperationException(
                    $"Column '{column.Name}' declares categorical slots {range.Start}..{range.Start + range.Count - 1}, which do not fit its {width} slots or overlap another range.");
        }
        return ranges;
    }
}

/// <summary>Consecutive slots of a feature vector, from <paramref name="Start"/>.</summary>
internal readonly record struct SlotRange(int Start, int Count);
