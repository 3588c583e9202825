using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Recommender;

/// <summary>
/// The recommender networks: prediction = global bias + user bias + item bias + interaction, where the interaction is
/// nothing (<see cref="RecommenderArchitecture.Biases"/>), a dot product of embeddings (matrix factorisation), or the
/// NeuMF fusion of a GMF tower and an MLP tower.
/// </summary>
/// <remarks>
/// Inputs: user keys, item keys (int64 [rows]) and optional user and item feature vectors. Key 0 is ML.NET's
/// "value not seen when the key mapping was fitted": its embeddings and biases are zero and never trained, and the
/// NeuMF interaction is switched off when either key is 0. An unseen user or item therefore falls back to the biases
/// that are known (global mean + item bias for a new user, and so on).
/// </remarks>
internal sealed class RecommenderNetwork : nn.Module
{
    private const double InitialStd = 0.05;

    private readonly Scalar _regularization;
    private Tensor? _penalty;
    private readonly int _userFeatureWidth, _itemFeatureWidth;
    private readonly Parameter global;
    private readonly Embedding userBias, itemBias;
    private readonly Embedding? userFactors, itemFactors, userTower, itemTower;
    private readonly Sequential? tower;
    private readonly Linear? fusion;

    /// <param name="users">The user key count (embedding rows are keys, so row 0 is the unknown user).</param>
    /// <param name="items">The item key count.</param>
    /// <param name="globalBias">The starting global bias (the mean rating for explicit feedback).</param>
    /// <param name="userFeatureWidth">Width of the user feature vector, 0 for none.</param>
    /// <param name="itemFeatureWidth">Width of the item feature vector, 0 for none.</param>
    /// <param name="options">Architecture, embedding size, tower layers, dropout.</param>
    public RecommenderNetwork(int users, int items, float globalBias, int userFeatureWidth, int itemFeatureWidth, RecommenderOptions options)
        : base(nameof(RecommenderNetwork))
    {
        Architecture = Active = options.Architecture;
        _regularization = options.EmbeddingRegularization.ToScalar();
        _userFeatureWidth = userFeatureWidth;
        _itemFeatureWidth = itemFeatureWidth;
        global = new Parameter(tensor(new[] { globalBias }));
        userBias = KeyTable(users, 1, zero: true);
        itemBias = KeyTable(items, 1, zero: true);
        int size = options.EmbeddingSize;
        if (Architecture != RecommenderArchitecture.Biases)
        {
            userFactors = KeyTable(users, size);
            itemFactors = KeyTable(items, size);
        }
        if (Architecture == RecommenderArchitecture.NeuMF)
        {
            userTower = KeyTable(users, size);
            itemTower = KeyTable(items, size);
            var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
            int width = 2 * size + userFeatureWidth + itemFeatureWidth;
            for (int i = 0; i < options.MlpLayers.Length; i++)
            {
                layers.Add(($"linear{i}", nn.Linear(width, options.MlpLayers[i])));
                layers.Add(($"relu{i}", nn.ReLU()));
                if (options.DropoutRate > 0)
                    layers.Add(($"dropout{i}", nn.Dropout(options.DropoutRate)));
                width = options.MlpLayers[i];
            }
            tower = nn.Sequential(layers);
            fusion = nn.Linear(size + width, 1);
        }
        RegisterComponents();
    }

    /// <summary>The whole network: what scoring and export compute.</summary>
    public RecommenderArchitecture Architecture { get; }

    /// <summary>
    /// The terms predictions add while training in stages (see <see cref="RecommenderStages"/>): the biases alone, plus
    /// the dot product of the factors, or the whole network. Scoring and export always use the whole network.
    /// </summary>
    public RecommenderArchitecture Active { get; set; }

    /// <summary>The stages a fit goes through, simplest first, each with the parameters it trains: biases, then (matrix
    /// factorisation) the factors too, then (NeuMF) everything, starting from the factorisation's GMF tower.</summary>
    public IReadOnlyList<(RecommenderArchitecture Stage, IReadOnlyList<Parameter> Trained)> Stages
    {
        get
        {
            var stages = new List<(RecommenderArchitecture, IReadOnlyList<Parameter>)> { (RecommenderArchitecture.Biases, BiasParameters) };
            if (Architecture != RecommenderArchitecture.Biases)
                stages.Add((RecommenderArchitecture.MatrixFactorization, [.. BiasParameters, userFactors!.weight!, itemFactors!.weight!]));
            if (Architecture == RecommenderArchitecture.NeuMF)
                stages.Add((RecommenderArchitecture.NeuMF, [.. parameters()]));
            return stages;
        }
    }

    /// <summary>The global, user and item biases: the whole bias model.</summary>
    public IReadOnlyList<Parameter> BiasParameters => [global, userBias.weight!, itemBias.weight!];

    /// <summary>
    /// Sets the terms that stages after <paramref name="stage"/> add so that the whole network computes exactly what
    /// <paramref name="stage"/> computes, also in the exported ONNX graph: for the biases, a zero interaction (MF: zero
    /// factors; NeuMF: a zero fusion layer); for factorisation inside NeuMF, a fusion layer that sums the GMF product
    /// (a dot product) and ignores the MLP tower.
    /// </summary>
    public void ReduceTo(RecommenderArchitecture stage)
    {
        using var _ = no_grad();
        if (stage == RecommenderArchitecture.Biases)
        {
            foreach (var parameter in Architecture == RecommenderArchitecture.NeuMF ? fusion!.parameters() : (userFactors?.parameters() ?? []))
                parameter.zero_();
        }
        else if (stage == RecommenderArchitecture.MatrixFactorization && Architecture == RecommenderArchitecture.NeuMF)
        {
            fusion!.bias!.zero_();
            var weight = fusion.weight!;
            weight.zero_();
            using var generalized = weight.narrow(1, 0, userFactors!.weight!.shape[1]);
            generalized.fill_(Scalars.One);
        }
    }

    /// <summary>Predictions [rows, 1] for inputs (users, items[, user features][, item features]).</summary>
    public Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        using var scope = NewDisposeScope();
        var (users, items) = (inputs[0], inputs[1]);
        var lookups = new List<Tensor> { userBias.call(users), itemBias.call(items) };
        var bias = global.add(lookups[0].squeeze(-1), Scalars.One).add(lookups[1].squeeze(-1), Scalars.One);
        var prediction = Active switch
        {
            RecommenderArchitecture.Biases => bias,
            RecommenderArchitecture.MatrixFactorization => bias.add(Dot(users, items, lookups), Scalars.One),
            _ => bias.add(NeuMFInteraction(inputs, lookups), Scalars.One),
        };
        _penalty = training ? L2(lookups).MoveToOuterDisposeScope() : null;
        return prediction.unsqueeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>The L2 penalty of the last training forward pass; it belongs to that batch's dispose scope.</summary>
    public Tensor? Penalty() => _penalty;

    private Tensor Dot(Tensor users, Tensor items, List<Tensor> lookups)
    {
        var (user, item) = (userFactors!.call(users), itemFactors!.call(items));
        lookups.Add(user);
        lookups.Add(item);
        return (user * item).sum(-1);
    }

    /// <summary>λ times the mean (over rows) of the squared norms of everything looked up.</summary>
    private Tensor L2(List<Tensor> lookups)
    {
        long rows = lookups[0].shape[0];
        var squares = lookups.Select(t => (t * t).sum()).Aggregate((a, b) => a.add(b, Scalars.One));
        using var perRow = (rows * 1.0).ToScalar();
        return squares.div(perRow).mul(_regularization);
    }

    private Tensor NeuMFInteraction(IReadOnlyList<Tensor> inputs, List<Tensor> lookups)
    {
        var (users, items) = (inputs[0], inputs[1]);
        var (user, item, userInTower, itemInTower) = (userFactors!.call(users), itemFactors!.call(items), userTower!.call(users), itemTower!.call(items));
        lookups.AddRange([user, item, userInTower, itemInTower]);
        var generalized = user * item;
        var towerInputs = new List<Tensor> { userInTower, itemInTower };
        towerInputs.AddRange(inputs.Skip(2));
        var hidden = tower!.call(cat(towerInputs, 1));
        var fused = fusion!.call(cat([generalized, hidden], 1)).squeeze(-1);
        var known = users.gt(Scalars.Zero).logical_and(items.gt(Scalars.Zero)).to_type(ScalarType.Float32);
        return fused * known;
    }

    /// <summary>Appends the same computation to an ONNX graph; inputs as in <see cref="Forward"/> (keys already int64 [rows]).</summary>
    public string ExportOnnx(OnnxGraph graph, IReadOnlyList<string> inputs)
    {
        var (users, items) = (inputs[0], inputs[1]);
        string Lookup(Embedding table, string keys, string hint) =>
            graph.AddNode("Gather", [graph.AddInitializer(hint, LayerExporter.ToArray(table.weight!), table.weight!.shape), keys]);
        string Flat(string value) => graph.AddNode("Reshape", [value, graph.AddInitializer("rows", [-1L], 1)]);

        string bias = graph.AddNode("Add", [
            graph.AddNode("Add", [graph.AddInitializer("global_bias", LayerExporter.ToArray(global), 1), Flat(Lookup(userBias, users, "user_bias"))]),
            Flat(Lookup(itemBias, items, "item_bias"))]);
        string prediction = bias;
        if (Architecture == RecommenderArchitecture.MatrixFactorization)
        {
            string product = graph.AddNode("Mul", [Lookup(userFactors!, users, "user_factors"), Lookup(itemFactors!, items, "item_factors")]);
            string dot = graph.AddNode("ReduceSum", [product, graph.AddInitializer("last_axis", [1L], 1)], null, OnnxAttribute.Of("keepdims", 0L));
            prediction = graph.AddNode("Add", [bias, dot]);
        }
        else if (Architecture == RecommenderArchitecture.NeuMF)
        {
            string generalized = graph.AddNode("Mul", [Lookup(userFactors!, users, "user_factors"), Lookup(itemFactors!, items, "item_factors")]);
            var towerInputs = new List<string> { Lookup(userTower!, users, "user_tower"), Lookup(itemTower!, items, "item_tower") };
            towerInputs.AddRange(inputs.Skip(2));
            string hidden = LayerExporter.Export(graph, tower!, graph.AddNode("Concat", [.. towerInputs], null, OnnxAttribute.Of("axis", 1L)));
            string fused = Flat(LayerExporter.Export(graph, fusion!, graph.AddNode("Concat", [generalized, hidden], null, OnnxAttribute.Of("axis", 1L))));
            string zero = graph.AddInitializer("zero_key", [0L], 1);
            string known = graph.AddNode("Cast", [graph.AddNode("And", [graph.AddNode("Greater", [users, zero]), graph.AddNode("Greater", [items, zero])])],
                null, OnnxAttribute.Of("to", (long)OnnxElementType.Float));
            prediction = graph.AddNode("Add", [bias, graph.AddNode("Mul", [fused, known])]);
        }
        return graph.AddNode("Reshape", [prediction, graph.AddInitializer("column", [-1L, 1L], 2)]);
    }

    /// <summary>
    /// An embedding table indexed by key; row 0 (the unknown key) is zero and receives no gradient. Gradients are
    /// sparse, so each step updates only the rows its batch looked up (see <c>Engine/Optimizer.cs</c>).
    /// </summary>
    private static Embedding KeyTable(int keys, int width, bool zero = false)
    {
        var table = nn.Embedding(keys + 1, width, padding_idx: 0, sparse: true);
        using var _ = no_grad();
        if (zero)
            table.weight!.zero_();
        else
            nn.init.normal_(table.weight!, 0, InitialStd);
        using var unknown = table.weight![0];
        unknown.zero_();
        return table;
    }
}
