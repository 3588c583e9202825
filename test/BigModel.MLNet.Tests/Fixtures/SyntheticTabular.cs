using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>
/// Tabular rows as they arrive: two numeric features on very different scales (a distance in metres, a duration in
/// seconds), a categorical shop whose effect is an offset of its own, and a price label in the thousands.
/// </summary>
internal static class SyntheticTabular
{
    public static readonly string[] Shops = ["north", "south", "east", "west", "centre", "airport"];
    private static readonly float[] ShopOffsets = [0, 900, -600, 300, 1500, -1200];

    public sealed class Row
    {
        [VectorType(2)] public float[] Numbers { get; set; } = [];
        public string Shop { get; set; } = "";
        public float Price { get; set; }
    }

    public static List<Row> Generate(int rows, int seed, float labelScale = 1, float featureScale = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ =>
        {
            double distance = random.NextDouble() * 20_000, duration = random.NextDouble() * 3_600;
            int shop = random.Next(Shops.Length);
            double price = 2_000 + 0.15 * distance + 400 * Math.Sin(duration / 600) + ShopOffsets[shop] + 50 * (random.NextDouble() - 0.5);
            return new Row { Numbers = [(float)(distance * featureScale), (float)(duration * featureScale)], Shop = Shops[shop], Price = (float)(price * labelScale) };
        }).ToList();
    }

    /// <summary>The rows with the shop mapped to a key fitted on <paramref name="fittedOn"/>.</summary>
    public static IDataView Keyed(MLContext ml, IEnumerable<Row> rows, IEnumerable<Row>? fittedOn = null)
    {
        var data = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.Conversion.MapValueToKey("Shop").Fit(ml.Data.LoadFromEnumerable(fittedOn ?? rows)).Transform(data);
    }
}
