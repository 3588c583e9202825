using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>Small generated problems that a linear model cannot solve but a small MLP can.</summary>
internal static class SyntheticData
{
    public const int Width = 5;

    public sealed class RegressionRow
    {
        [VectorType(Width)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    public sealed class BinaryRow
    {
        [VectorType(Width)] public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    public sealed class MulticlassRow
    {
        [VectorType(Width)] public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }

    /// <summary>y = 2·sin(2x₀) + 3·x₁·x₂ + x₃² + noise; x uniform in [-1, 1]⁵.</summary>
    public static IDataView Regression(MLContext ml, int rows, int seed) =>
        ml.Data.LoadFromEnumerable(Points(rows, seed).Select(x => new RegressionRow
        {
            Features = x,
            Label = 2 * MathF.Sin(2 * x[0]) + 3 * x[1] * x[2] + x[3] * x[3] + Noise(x),
        }).ToList());

    /// <summary>Inside or outside a circle of radius 0.75 in (x₀, x₁): not linearly separable.</summary>
    public static IDataView Binary(MLContext ml, int rows, int seed) =>
        ml.Data.LoadFromEnumerable(Points(rows, seed).Select(x => new BinaryRow
        {
            Features = x,
            Label = x[0] * x[0] + x[1] * x[1] < 0.5625f,
        }).ToList());

    /// <summary>Three rings around the origin of (x₀, x₁), labelled by name.</summary>
    public static IDataView Multiclass(MLContext ml, int rows, int seed) =>
        ml.Data.LoadFromEnumerable(Points(rows, seed).Select(x =>
        {
            float r2 = x[0] * x[0] + x[1] * x[1];
            return new MulticlassRow { Features = x, Label = r2 < 0.25f ? "inner" : r2 < 0.8f ? "middle" : "outer" };
        }).ToList());

    private static IEnumerable<float[]> Points(int rows, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < rows; i++)
            yield return Enumerable.Range(0, Width).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    private static float Noise(float[] x) => 0.05f * MathF.Sin(1000 * x[4]);
}
