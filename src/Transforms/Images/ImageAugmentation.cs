using BigModel.MLNet.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Transforms.Images;

/// <summary>
/// Random flips, small rotations, padded crops (random translation) and random erasing of training batches, as a
/// pipeline's <see cref="ImageAugmentingEstimator"/> asked for: the batch source calls it for shuffled epochs only,
/// never for validation or scoring. Randomness comes from the epoch's generator, so a seed reproduces a run.
/// </summary>
internal sealed class ImageAugmentation(ImageAugmentationOptions options, int channels, int height, int width)
{
    /// <summary>Returns the batch with its first input (flat pixels) augmented.</summary>
    public TensorBatch Apply(TensorBatch batch, Random random)
    {
        var pixels = batch.Inputs[0];
        long rows = pixels.shape[0];
        var images = pixels.view(-1, channels, height, width);
        if (options.RandomHorizontalFlip)
            images = Flip(images, random, dimension: 3);
        if (options.RandomVerticalFlip)
            images = Flip(images, random, dimension: 2);
        if (options.RandomRotationDegrees > 0)
            images = Rotate(images, random, options.RandomRotationDegrees);
        if (options.RandomCropPadding > 0)
            images = Crop(images, random, options.RandomCropPadding);
        if (options.RandomErasingProbability > 0)
            images = Erase(images, random, options.RandomErasingProbability);
        var inputs = batch.Inputs.ToList();
        inputs[0] = images.reshape(rows, -1);
        return batch with { Inputs = inputs };
    }

    /// <summary>Flips a random half of the images along <paramref name="dimension"/> (3: left–right, 2: upside down).</summary>
    private static Tensor Flip(Tensor images, Random random, long dimension)
    {
        long[] chosen = Enumerable.Range(0, (int)images.shape[0]).Where(_ => random.Next(2) == 1).Select(i => (long)i).ToArray();
        if (chosen.Length == 0)
            return images;
        var result = images.clone();
        var index = tensor(chosen, device: images.device);
        result.index_copy_(0, index, images.index_select(0, index).flip(dimension));
        return result;
    }

    /// <summary>Rotates each image by its own angle in ±<paramref name="degrees"/> about its centre (bilinear, zeros outside).</summary>
    private static Tensor Rotate(Tensor images, Random random, double degrees)
    {
        long rows = images.shape[0], height = images.shape[2], width = images.shape[3];
        var theta = new float[rows * 6];
        for (int i = 0; i < rows; i++)
        {
            double angle = (random.NextDouble() * 2 - 1) * degrees * Math.PI / 180;
            float cos = (float)Math.Cos(angle), sin = (float)Math.Sin(angle);
            // A rotation in pixels, written in the [-1, 1] coordinates affine_grid uses (they stretch non-square images).
            theta[i * 6 + 0] = cos;
            theta[i * 6 + 1] = -sin * height / width;
            theta[i * 6 + 3] = sin * width / height;
            theta[i * 6 + 4] = cos;
        }
        var grid = nn.functional.affine_grid(tensor(theta, [rows, 2, 3], device: images.device), images.shape, align_corners: false);
        return nn.functional.grid_sample(images, grid, align_corners: false);
    }

    private static Tensor Erase(Tensor images, Random random, double probability)
    {
        var result = images.clone();
        long height = images.shape[2], width = images.shape[3];
        for (int i = 0; i < images.shape[0]; i++)
        {
            if (random.NextDouble() >= probability)
                continue;
            double area = height * width * (0.02 + 0.18 * random.NextDouble());
            double aspect = Math.Exp(Math.Log(1 / 3.0) + random.NextDouble() * Math.Log(9));
            long h = Math.Clamp((long)Math.Round(Math.Sqrt(area * aspect)), 1, height);
            long w = Math.Clamp((long)Math.Round(Math.Sqrt(area / aspect)), 1, width);
            long top = random.NextInt64(height - h + 1), left = random.NextInt64(width - w + 1);
            using var patch = result[i].narrow(1, top, h).narrow(2, left, w);
            patch.zero_();
        }
        return result;
    }

    private static Tensor Crop(Tensor images, Random random, int padding)
    {
        long height = images.shape[2], width = images.shape[3];
        var padded = nn.functional.pad(images, [padding, padding, padding, padding]);
        var crops = new Tensor[images.shape[0]];
        for (int i = 0; i < crops.Length; i++)
        {
            int top = random.Next(2 * padding + 1), left = random.Next(2 * padding + 1);
            crops[i] = padded[i].narrow(1, top, height).narrow(2, left, width);
        }
        return stack(crops);
    }
}
