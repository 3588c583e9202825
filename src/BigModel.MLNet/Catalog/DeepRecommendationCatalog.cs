using BigModel.MLNet.Glue;
using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Models.Recommender;
using BigModel.MLNet.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet;

/// <summary>
/// Recommenders over user and item key columns — biases only, matrix factorisation and NeuMF, for ratings or implicit
/// feedback — and the tools around them: top-K recommendations, ranking metrics and a leave-one-out split.
/// </summary>
/// <remarks>
/// Cold start: users or items that the key mapping never saw arrive as key 0 and fall back to the known biases
/// (global mean plus item bias for a new user, plus user bias for a new item; the global bias alone when both are
/// new). No exception, no random embedding.
/// </remarks>
public sealed class DeepRecommendationCatalog
{
    private readonly MLContext _context;

    internal DeepRecommendationCatalog(MLContext context) => _context = context;

    /// <summary>Biased matrix factorisation of explicit ratings.</summary>
    public DeepTrainer MatrixFactorization(string userColumnName = "UserId", string itemColumnName = "ItemId",
        string labelColumnName = "Label", int embeddingSize = 32, int epochs = 20) =>
        Recommender(Options(RecommenderArchitecture.MatrixFactorization, userColumnName, itemColumnName, labelColumnName, embeddingSize, epochs));

    /// <summary>Neural matrix factorisation (GMF and MLP towers, fused) of explicit ratings.</summary>
    public DeepTrainer NeuMF(string userColumnName = "UserId", string itemColumnName = "ItemId",
        string labelColumnName = "Label", int embeddingSize = 32, int epochs = 20) =>
        Recommender(Options(RecommenderArchitecture.NeuMF, userColumnName, itemColumnName, labelColumnName, embeddingSize, epochs));

    /// <summary>Any recommender: <see cref="RecommenderOptions.Architecture"/> and <see cref="RecommenderOptions.Feedback"/> choose.</summary>
    public DeepTrainer Recommender(RecommenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new DeepTrainer(_context, RecommenderSpec.Create(options), options);
    }

    /// <summary>
    /// The <paramref name="k"/> best-scored items for <paramref name="user"/>, best first (ties by item key). Works on a
    /// trained model and on one loaded with <c>mlContext.Model.Load</c>.
    /// </summary>
    /// <param name="model">A recommender without side-feature columns.</param>
    /// <param name="inputSchema">The training data's schema (from the data, or <c>Model.Load</c>'s output): gives the key types.</param>
    /// <param name="user">The user's key.</param>
    /// <param name="k">How many items.</param>
    /// <param name="exclude">Item keys not to recommend (typically those the user has already seen).</param>
    /// <param name="userColumnName">The user column.</param>
    /// <param name="itemColumnName">The item column.</param>
    public IReadOnlyList<ScoredItem> RecommendTopK(ITransformer model, DataViewSchema inputSchema, uint user, int k,
        IEnumerable<uint>? exclude = null, string userColumnName = "UserId", string itemColumnName = "ItemId")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var (userColumn, itemColumn) = KeyColumns(inputSchema, userColumnName, itemColumnName);
        int users = KeyColumnReader.KeyCount(userColumn);
        if (user > users)
            throw new ArgumentOutOfRangeException(nameof(user), user,
                $"User key {user} is beyond the {users} users of column '{userColumnName}' (0 is the unknown user, who gets the best items by bias).");
        var excluded = exclude?.ToHashSet() ?? [];
        uint[] items = Enumerable.Range(1, KeyColumnReader.KeyCount(itemColumn)).Select(i => (uint)i).Where(i => !excluded.Contains(i)).ToArray();
        float[] scores = Score(model, userColumn, itemColumn, Enumerable.Repeat(user, items.Length).ToArray(), items);
        return items.Select((item, i) => new ScoredItem(item, scores[i]))
            .OrderByDescending(s => s.Score).ThenBy(s => s.Item).Take(k).ToList();
    }

    /// <summary>
    /// HitRate@K and NDCG@K: each held-out (user, item) row of <paramref name="testData"/> is ranked against
    /// <paramref name="negatives"/> items drawn at random from those the user has no interaction with (in
    /// <paramref name="knownInteractions"/> or the test data). Rows that cannot be ranked that way — an unseen user or item
    /// (key 0), or a user with fewer than <paramref name="negatives"/> items left to draw — are skipped and counted in
    /// <see cref="TopKMetrics.SkippedCases"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> or <paramref name="negatives"/> is out of range.</exception>
    /// <exception cref="InvalidOperationException">No test row can be ranked.</exception>
    /// <param name="model">A recommender without side-feature columns.</param>
    /// <param name="testData">Held-out interactions, typed like the training data.</param>
    /// <param name="knownInteractions">Interactions never to draw as negatives (usually the training data), or null.</param>
    /// <param name="k">The cut-off.</param>
    /// <param name="negatives">Candidates per case besides the held-out item (99 is the usual protocol).</param>
    /// <param name="seed">Seeds the draw of negatives.</param>
    /// <param name="userColumnName">The user column.</param>
    /// <param name="itemColumnName">The item column.</param>
    public TopKMetrics EvaluateRanking(ITransformer model, IDataView testData, IDataView? knownInteractions = null, int k = 10,
        int negatives = 99, int seed = 0, string userColumnName = "UserId", string itemColumnName = "ItemId")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(testData);
        ArgumentOutOfRangeException.ThrowIfLessThan(negatives, 1);
        if (k < 1 || k > negatives)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and negatives ({negatives}): with k ≥ the {negatives + 1} candidates every case is a hit.");
        var (userColumn, itemColumn) = KeyColumns(testData.Schema, userColumnName, itemColumnName);
        int itemCount = KeyColumnReader.KeyCount(itemColumn);
        var seen = new Dictionary<uint, HashSet<uint>>();
        foreach (var data in new[] { knownInteractions, testData }.OfType<IDataView>())
        {
            foreach (var (user, item) in ReadPairs(data, userColumnName, itemColumnName))
                (seen.TryGetValue(user, out var set) ? set : seen[user] = []).Add(item);
        }

        var random = new Random(seed);
        var users = new List<uint>();
        var items = new List<uint>();
        var caseSizes = new List<int>();
        int skipped = 0;
        foreach (var (user, item) in ReadPairs(testData, userColumnName, itemColumnName))
        {
            if (user == 0 || item == 0 || itemCount - seen[user].Count < negatives)
            {
                skipped++;
                continue;
            }
            var candidates = new HashSet<uint>();
            while (candidates.Count < negatives)
            {
                uint draw = (uint)random.Next(1, itemCount + 1);
                if (!seen[user].Contains(draw))
                    candidates.Add(draw);
            }
            users.AddRange(Enumerable.Repeat(user, candidates.Count + 1));
            items.Add(item);
            items.AddRange(candidates.Order());
            caseSizes.Add(candidates.Count + 1);
        }

        if (caseSizes.Count == 0)
            throw new InvalidOperationException($"None of the {skipped} test rows can be ranked: each needs a known user and item, and " +
                $"{negatives} items the user has not interacted with. Lower 'negatives' or use a larger catalogue.");
        float[] scores = Score(model, userColumn, itemColumn, [.. users], [.. items]);
        var ranks = new List<int>();
        int start = 0;
        foreach (int size in caseSizes)
        {
            float positive = scores[start];
            ranks.Add(scores.AsSpan(start + 1, size - 1).ToArray().Count(score => score > positive));
            start += size;
        }
        return TopKMetrics.FromRanks(ranks, k) with { SkippedCases = skipped };
    }

    /// <summary>
    /// Holds out each user's last interaction (by <paramref name="orderColumnName"/>, e.g. a timestamp, or by data order)
    /// for users with at least two; everything else is the training set.
    /// </summary>
    public (IDataView TrainSet, IDataView TestSet) LeaveOneOutSplit(IDataView data, string userColumnName = "UserId", string? orderColumnName = null)
    {
        var user = data.Schema[userColumnName];
        KeyColumnReader.KeyCount(user);
        var order = orderColumnName is null ? (DataViewSchema.Column?)null : data.Schema[orderColumnName];
        var last = new Dictionary<uint, (double Order, long Position, int Count)>();
        using (var cursor = data.GetRowCursor(order is { } o ? [user, o] : [user]))
        {
            var userGetter = cursor.GetGetter<uint>(user);
            var orderGetter = order is { } column ? OrderGetter(cursor, column) : () => cursor.Position;
            uint key = 0;
            while (cursor.MoveNext())
            {
                userGetter(ref key);
                double value = orderGetter();
                var previous = last.GetValueOrDefault(key, (double.NegativeInfinity, -1, 0));
                last[key] = value >= previous.Order ? (value, cursor.Position, previous.Count + 1) : previous with { Count = previous.Count + 1 };
            }
        }
        var held = last.Where(p => p.Key != 0 && p.Value.Count >= 2).Select(p => p.Value.Position).ToHashSet();
        return (new RowSubsetDataView(data, held, keep: false), new RowSubsetDataView(data, held, keep: true));
    }

    private float[] Score(ITransformer model, DataViewSchema.Column userColumn, DataViewSchema.Column itemColumn, uint[] users, uint[] items)
    {
        var scored = model.Transform(new KeyColumnsDataView([userColumn, itemColumn], [users, items]));
        var score = scored.Schema[PredictionTask.Score];
        using var cursor = scored.GetRowCursor([score]);
        var getter = cursor.GetGetter<float>(score);
        var scores = new float[users.Length];
        for (int i = 0; cursor.MoveNext(); i++)
            getter(ref scores[i]);
        return scores;
    }

    private static IEnumerable<(uint User, uint Item)> ReadPairs(IDataView data, string userColumnName, string itemColumnName)
    {
        var (user, item) = (data.Schema[userColumnName], data.Schema[itemColumnName]);
        using var cursor = data.GetRowCursor([user, item]);
        var userGetter = cursor.GetGetter<uint>(user);
        var itemGetter = cursor.GetGetter<uint>(item);
        uint u = 0, i = 0;
        while (cursor.MoveNext())
        {
            userGetter(ref u);
            itemGetter(ref i);
            yield return (u, i);
        }
    }

    private static Func<double> OrderGetter(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type == NumberDataViewType.Single) { var g = row.GetGetter<float>(column); float v = 0; return () => { g(ref v); return v; }; }
        if (column.Type == NumberDataViewType.Double) { var g = row.GetGetter<double>(column); double v = 0; return () => { g(ref v); return v; }; }
        if (column.Type == NumberDataViewType.Int64) { var g = row.GetGetter<long>(column); long v = 0; return () => { g(ref v); return v; }; }
        throw new ArgumentOutOfRangeException(column.Name, $"Order column '{column.Name}' must be Single, Double or Int64, but is {column.Type}.");
    }

    private static (DataViewSchema.Column User, DataViewSchema.Column Item) KeyColumns(DataViewSchema schema, string user, string item)
    {
        var userColumn = DeepTrainer.RequireColumn(schema, user, "user");
        var itemColumn = DeepTrainer.RequireColumn(schema, item, "item");
        KeyColumnReader.KeyCount(userColumn);
        KeyColumnReader.KeyCount(itemColumn);
        return (userColumn, itemColumn);
    }

    private static RecommenderOptions Options(RecommenderArchitecture architecture, string user, string item, string label, int embeddingSize, int epochs) => new()
    {
        Architecture = architecture,
        UserColumnName = user,
        ItemColumnName = item,
        LabelColumnName = label,
        EmbeddingSize = embeddingSize,
        Epochs = epochs,
    };
}
