using Microsoft.ML;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>
/// Ratings from a known low-rank model: rating = 5 + user bias + item bias + 1.5·(p_u · q_i) + noise, with rank-3
/// factors, each user rating a random 40 of the items. Ids are strings, as users have them before MapValueToKey.
/// </summary>
internal sealed class SyntheticRatings
{
    public const int Users = 300, Items = 200, Rank = 3, PerUser = 40;

    public sealed class Rating
    {
        public string UserId { get; set; } = "";
        public string ItemId { get; set; } = "";
        public float Label { get; set; }
        public float Time { get; set; }
    }

    public SyntheticRatings(int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var userFactors = Enumerable.Range(0, Users).Select(_ => Enumerable.Range(0, Rank).Select(_ => Normal()).ToArray()).ToArray();
        var itemFactors = Enumerable.Range(0, Items).Select(_ => Enumerable.Range(0, Rank).Select(_ => Normal()).ToArray()).ToArray();
        var userBias = Enumerable.Range(0, Users).Select(_ => 0.5 * Normal()).ToArray();
        var itemBias = Enumerable.Range(0, Items).Select(_ => 0.5 * Normal()).ToArray();
        for (int u = 0; u < Users; u++)
        {
            foreach (int i in Enumerable.Range(0, Items).OrderBy(_ => random.Next()).Take(PerUser))
            {
                double dot = userFactors[u].Zip(itemFactors[i], (a, b) => a * b).Sum();
                double rating = 5 + userBias[u] + itemBias[i] + 1.5 * dot + 0.3 * Normal();
                var row = new Rating { UserId = $"u{u}", ItemId = $"i{i}", Label = (float)Math.Max(0, rating), Time = random.Next(1000) };
                (random.NextDouble() < 0.8 ? Train : Test).Add(row);
            }
        }
    }

    public List<Rating> Train { get; } = [];
    public List<Rating> Test { get; } = [];

    /// <summary>Maps the string ids to keys, fitted on the training rows only (so unseen ids become key 0).</summary>
    public (IDataView Train, IDataView Test, ITransformer ToKeys) Load(MLContext ml)
    {
        var train = ml.Data.LoadFromEnumerable(Train);
        var toKeys = ml.Transforms.Conversion.MapValueToKey("UserId").Append(ml.Transforms.Conversion.MapValueToKey("ItemId")).Fit(train);
        return (toKeys.Transform(train), toKeys.Transform(ml.Data.LoadFromEnumerable(Test)), toKeys);
    }
}
