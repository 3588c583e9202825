using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Glue;
using BigModel.MLNet.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Mlp;

/// <summary>
/// The MLP preset for tabular data as it is: the numeric feature vector, encoded inside the network from the training
/// data (<see cref="NumericEncoding"/>: standardised, and by default also piecewise-linear over quantile bins), next to
/// one learned embedding per categorical key column and per one-hot range of the vector (entity embeddings,
/// <see cref="OneHotEmbedding"/>), then the hidden layers of <see cref="MlpNetwork"/>. Key 0 (a category the key
/// mapping never saw) has a row of its own, starting at zero.
/// </summary>
internal sealed class TabularMlp : nn.Module
{
    /// <summary>The vector's numeric slots, when some of its slots are one-hot; null when all are numeric.</summary>
    private readonly Tensor? numeric_slots;
    private readonly Standardization? standardization;
    private readonly PiecewiseLinearEncoding? bins;
    private readonly OneHotEmbedding? oneHot;
    private readonly ModuleList<Embedding> categories;
    private readonly nn.Module<Tensor, Tensor> body;

    private TabularMlp(NumericPart numeric, OneHotEmbedding? oneHot, Embedding[] categories, nn.Module<Tensor, Tensor> body)
        : base(nameof(TabularMlp))
    {
        numeric_slots = numeric.Slots is null ? null : tensor(numeric.Slots.Select(s => (long)s).ToArray()).DetachFromDisposeScope();
        standardization = numeric.Standardization;
        bins = numeric.Bins;
        this.oneHot = oneHot;
        this.categories = nn.ModuleList(categories);
        this.body = body;
        RegisterComponents();
    }

    /// <summary>Whether any slot is numeric (a vector of one-hot ranges only has none).</summary>
    private bool ReadsNumbers => numeric_slots is null || numeric_slots.shape[0] > 0;

    /// <summary>How the numeric slots are encoded: which slots (null for all), standardised and binned from the training data.</summary>
    private sealed record NumericPart(int[]? Slots, Standardization? Standardization, PiecewiseLinearEncoding? Bins)
    {
        public int Width(int vectorWidth) => (Slots?.Length ?? vectorWidth) + (Bins?.Width ?? 0);
    }

    /// <summary>Builds the network for <paramref name="request"/>: input 0 is the feature vector, the others are keys.</summary>
    public static BuiltNetwork Build(NetworkRequest request, MlpOptions options)
    {
        int vectorWidth = request.InputSizes[0];
        var ranges = options.EmbedOneHotSlots
            ? OneHotEmbedding.RangesOf(request.TrainingData.Schema[options.FeatureColumnName], vectorWidth) : [];
        // The embeddings feed the first layer, so a wider one adds parameters without adding rank.
        int reader = options.HiddenLayers.Length > 0 ? options.HiddenLayers[0] : request.Task.OutputSize;
        int Width(int values) => EmbeddingWidth(values, reader);
        var oneHot = ranges.Count == 0 ? null : new OneHotEmbedding(ranges, Width);
        var numeric = Numeric(request, options, ranges);
        if (oneHot is not null)
            request.Log($"'{options.FeatureColumnName}': {ranges.Count} one-hot {(ranges.Count == 1 ? "range" : "ranges")} ({ranges.Sum(r => r.Count)} slots) learned as embeddings, {numeric.Slots!.Length} numeric slots.");
        var categories = request.InputSizes.Skip(1).Select(keys => Embedding(keys, Width(keys))).ToArray();
        int inputWidth = numeric.Width(vectorWidth) + (oneHot?.Width ?? 0) + categories.Sum(e => (int)e.weight!.shape[1]);
        bool batchNorm = UsesBatchNorm(request, options);
        nn.Module<Tensor, Tensor> body = options.EnsembleSize == 1
            ? MlpNetwork.Create(new NetworkShape(inputWidth, request.Task.OutputSize), options, batchNorm)
            : new MlpEnsemble(inputWidth, request.Task.OutputSize, request.Task.Kind, options, batchNorm);
        var network = new TabularMlp(numeric, oneHot, categories, body);
        return new BuiltNetwork(new TrainableNetwork(network, network.Forward, OutputsPerRow: options.EnsembleSize), network.ExportOnnx);
    }

    /// <summary>
    /// <see cref="MlpOptions.UseBatchNorm"/>, or when it is null: for classification, unless a training batch would hold
    /// a single row (batch size 1 or one training row), which batch normalisation cannot train on.
    /// </summary>
    private static bool UsesBatchNorm(NetworkRequest request, MlpOptions options)
    {
        if (options.UseBatchNorm is bool chosen)
            return chosen;
        bool batchNorm = request.Task.Kind != PredictionKind.Regression && options.BatchSize > 1 && request.TrainingRows > 1;
        if (batchNorm)
            request.Log($"Batch normalisation after each hidden layer (the classification default; {nameof(MlpOptions.UseBatchNorm)} = false leaves it out).");
        return batchNorm;
    }

    /// <summary>The numeric slots (those outside <paramref name="oneHot"/>) and their encoding, fitted to the training data.</summary>
    private static NumericPart Numeric(NetworkRequest request, MlpOptions options, IReadOnlyList<SlotRange> oneHot)
    {
        int[]? slots = null;
        if (oneHot.Count > 0)
        {
            var categorical = oneHot.SelectMany(r => Enumerable.Range(r.Start, r.Count)).ToHashSet();
            slots = Enumerable.Range(0, request.InputSizes[0]).Where(s => !categorical.Contains(s)).ToArray();
        }
        if (slots is { Length: 0 } || options.NumericEncoding == NumericEncoding.None)
            return new NumericPart(slots, null, null);
        var (mean, std) = ColumnStatistics.Of(request.TrainingData, options.FeatureColumnName);
        var standardization = slots is null ? new Standardization(mean, std)
            : new Standardization(slots.Select(s => mean[s]).ToArray(), slots.Select(s => std[s]).ToArray());
        var bins = options.NumericEncoding == NumericEncoding.QuantileBins
            ? PiecewiseLinearEncoding.Fit(request.TrainingData, options.FeatureColumnName, options.QuantileBins, request.Log, slots)
            : null;
        return new NumericPart(slots, standardization, bins);
    }

    /// <summary>
    /// fastai's embedding width for a category of <paramref name="values"/> values plus one for the unknown,
    /// min(600, round(1.6 · n^0.56)) (2 values get 2 dimensions, 16 get 7, 40 get 13), and never wider than the
    /// <paramref name="reader"/> units of the layer that reads it: that layer projects it to that width anyway, so
    /// a hashed column of 65,536 slots gets 128 dimensions under the default layers, not 600.
    /// </summary>
    internal static int EmbeddingWidth(int values, int reader) =>
        (int)Math.Min(Math.Min(600, reader), Math.Round(1.6 * Math.Pow(values + 1, 0.56)));

    /// <summary>An embedding of <paramref name="width"/> dimensions for a key of <paramref name="keys"/> values, plus key 0.</summary>
    private static Embedding Embedding(int keys, int width)
    {
        var table = nn.Embedding(keys + 1, width);
        using var _ = no_grad();
        nn.init.normal_(table.weight!, 0, 0.01);
        using var unknown = table.weight![0];
        unknown.zero_();
        return table;
    }

    public Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        using var scope = NewDisposeScope();
        var vector = inputs[0];
        var parts = new List<Tensor>();
        if (ReadsNumbers)
        {
            var numbers = numeric_slots is null ? vector : vector.index_select(1, numeric_slots);
            parts.Add(standardization is null ? numbers : standardization.call(numbers));
            if (bins is not null)
                parts.Add(bins.call(numbers));
        }
        if (oneHot is not null)
            parts.Add(oneHot.call(vector));
        for (int i = 0; i < categories.Count; i++)
            parts.Add(categories[i].call(inputs[i + 1]));
        var joined = parts.Count == 1 ? parts[0] : cat(parts, 1);
        return body.call(joined).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, IReadOnlyList<string> inputs)
    {
        string vector = inputs[0];
        var parts = new List<string>();
        if (ReadsNumbers)
        {
            string numbers = numeric_slots is null ? vector
                : graph.AddNode("Gather", [vector, graph.AddInitializer("numeric_slots", numeric_slots.data<long>().ToArray(), numeric_slots.shape)], null, OnnxAttribute.Of("axis", 1L));
            parts.Add(standardization is null ? numbers : LayerExporter.Export(graph, standardization, numbers));
            if (bins is not null)
                parts.Add(LayerExporter.Export(graph, bins, numbers));
        }
        if (oneHot is not null)
            parts.Add(LayerExporter.Export(graph, oneHot, vector));
        for (int i = 0; i < categories.Count; i++)
        {
            var table = categories[i].weight!;
            parts.Add(graph.AddNode("Gather", [graph.AddInitializer("category_embedding", LayerExporter.ToArray(table), table.shape), inputs[i + 1]]));
        }
        string joined = parts.Count == 1 ? parts[0] : graph.AddNode("Concat", [.. parts], null, OnnxAttribute.Of("axis", 1L));
        return LayerExporter.Export(graph, body, joined);
    }
}
