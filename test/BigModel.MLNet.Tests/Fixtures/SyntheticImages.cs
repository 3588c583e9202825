using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>
/// 16×16 grey images of three drawn shapes — a horizontal bar, a vertical bar, a hollow square — at random places,
/// with noise; a pixel-wise linear model cannot place them, a CNN can.
/// </summary>
internal static class SyntheticImages
{
    public const int Size = 16;
    public static readonly string[] Shapes = ["horizontal", "vertical", "square"];

    public sealed class Row
    {
        [VectorType(Size * Size)] public float[] Image { get; set; } = [];
        public string Label { get; set; } = "";
    }

    public static IDataView Load(MLContext ml, int rows, int seed) => ml.Data.LoadFromEnumerable(Generate(rows, seed).ToList());

    public static IEnumerable<Row> Generate(int rows, int seed)
    {
        var random = new Random(seed);
        for (int n = 0; n < rows; n++)
        {
            int shape = n % 3;
            var image = new float[Size * Size];
            for (int i = 0; i < image.Length; i++)
                image[i] = (float)(random.NextDouble() * 0.3);
            int top = random.Next(2, Size - 8), left = random.Next(2, Size - 8);
            for (int k = 0; k < 6; k++)
            {
                switch (shape)
                {
                    case 0: image[(top + 3) * Size + left + k] = 1; break;
                    case 1: image[(top + k) * Size + left + 3] = 1; break;
                    default:
                        image[top * Size + left + k] = image[(top + 5) * Size + left + k] = 1;
                        image[(top + k) * Size + left] = image[(top + k) * Size + left + 5] = 1;
                        break;
                }
            }
            yield return new Row { Image = image, Label = Shapes[shape] };
        }
    }
}
