using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Glue;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Mlp;

/// <summary>
/// The MLP preset for tabular data as it is: the numeric feature vector, encoded inside the network from the training
/// data (<see cref="NumericEncoding"/>: standardised, and by default also piecewise-linear over quantile bins), next to
/// one learned embedding per categorical key column (entity embeddings), then the hidden layers of
/// <see cref="MlpNetwork"/>. Key 0 (a category the key mapping never saw) has a row of its own, starting at zero.
/// </summary>
internal sealed class TabularMlp : nn.Module
{
    private readonly Standardization? standardization;
    private readonly PiecewiseLinearEncoding? bins;
    private readonly ModuleList<Embedding> categories;
    private readonly Sequential body;

    private TabularMlp(Standardization? standardization, PiecewiseLinearEncoding? bins, Embedding[] categories, Sequential body)
        : base(nameof(TabularMlp))
    {
        this.standardization = standardization;
        this.bins = bins;
        this.categories = nn.ModuleList(categories);
        this.body = body;
        RegisterComponents();
    }

    /// <summary>Builds the network for <paramref name="request"/>: input 0 is the feature vector, the others are keys.</summary>
    public static BuiltNetwork Build(NetworkRequest request, MlpOptions options)
    {
        Standardization? standardization = null;
        PiecewiseLinearEncoding? bins = null;
        if (options.NumericEncoding != NumericEncoding.None)
        {
            var (mean, std) = ColumnStatistics.Of(request.TrainingData, options.FeatureColumnName);
            standardization = new Standardization(mean, std);
        }
        if (options.NumericEncoding == NumericEncoding.QuantileBins)
            bins = PiecewiseLinearEncoding.Fit(request.TrainingData, options.FeatureColumnName, options.QuantileBins, request.Log);
        var categories = request.InputSizes.Skip(1).Select(Embedding).ToArray();
        int inputWidth = request.InputSizes[0] + (bins?.Width ?? 0) + categories.Sum(e => (int)e.weight!.shape[1]);
        var body = MlpNetwork.Create(new NetworkShape(inputWidth, request.Task.OutputSize), options);
        var network = new TabularMlp(standardization, bins, categories, body);
        return new BuiltNetwork(new TrainableNetwork(network, network.Forward), network.ExportOnnx);
    }

    /// <summary>
    /// An embedding for a key of <paramref name="keys"/> values (plus key 0), of fastai's width rule
    /// min(600, round(1.6 · n^0.56)): 2 values get 2 dimensions, 16 get 7, 40 get 13.
    /// </summary>
    private static Embedding Embedding(int keys)
    {
        int width = (int)Math.Min(600, Math.Round(1.6 * Math.Pow(keys + 1, 0.56)));
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
        var numbers = inputs[0];
        var parts = new List<Tensor> { standardization is null ? numbers : standardization.call(numbers) };
        if (bins is not null)
            parts.Add(bins.call(numbers));
        for (int i = 0; i < categories.Count; i++)
            parts.Add(categories[i].call(inputs[i + 1]));
        var joined = parts.Count == 1 ? parts[0] : cat(parts, 1);
        return body.call(joined).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, IReadOnlyList<string> inputs)
    {
        string numbers = inputs[0];
        var parts = new List<string> { standardization is null ? numbers : LayerExporter.Export(graph, standardization, numbers) };
        if (bins is not null)
            parts.Add(LayerExporter.Export(graph, bins, numbers));
        for (int i = 0; i < categories.Count; i++)
        {
            var table = categories[i].weight!;
            parts.Add(graph.AddNode("Gather", [graph.AddInitializer("category_embedding", LayerExporter.ToArray(table), table.shape), inputs[i + 1]]));
        }
        string joined = parts.Count == 1 ? parts[0] : graph.AddNode("Concat", [.. parts], null, OnnxAttribute.Of("axis", 1L));
        return LayerExporter.Export(graph, body, joined);
    }
}
