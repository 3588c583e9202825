using System.Text.Json;
using BigModel.MLNet.Engine;
using Microsoft.ML.SearchSpace;

namespace BigModel.MLNet.Transforms.Images;

/// <summary>The random changes <c>ml.Deep().AugmentImages</c> asks the image trainers to make to training images.</summary>
public sealed record ImageAugmentationOptions
{
    /// <summary>Flip each image left–right with probability ½ (not for digits, text or anything with a handedness).</summary>
    [BooleanChoice(defaultValue: false)]
    public bool RandomHorizontalFlip { get; init; }

    /// <summary>Flip each image upside down with probability ½ (aerial and microscope images, not photos of scenes).</summary>
    [BooleanChoice(defaultValue: false)]
    public bool RandomVerticalFlip { get; init; }

    /// <summary>Rotate each image by a random angle within ± this many degrees (0 = off; 10–15 is usual).</summary>
    [Range(0.0, 30.0, init: 0.0)]
    public double RandomRotationDegrees { get; init; }

    /// <summary>Pad each image by this many zero pixels per side and crop it back at a random offset: a random
    /// translation (0 = off).</summary>
    [Range(0, 8, init: 0)]
    public int RandomCropPadding { get; init; }

    /// <summary>The chance that each image has a random rectangle (2–20% of its area, aspect 1:3 to 3:1) blanked out
    /// (random erasing); 0 = off.</summary>
    [Range(0.0, 1.0, init: 0.0)]
    public double RandomErasingProbability { get; init; }

    /// <summary>Whether any change is asked for.</summary>
    public bool IsActive => RandomHorizontalFlip || RandomVerticalFlip || RandomRotationDegrees > 0 || RandomCropPadding > 0 || RandomErasingProbability > 0;

    /// <summary>Checks the values, naming the first that is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
    public void Validate()
    {
        OptionChecks.Range(RandomRotationDegrees, nameof(RandomRotationDegrees), 0, 180);
        OptionChecks.Range(RandomCropPadding, nameof(RandomCropPadding), 0, 1024);
        OptionChecks.Range(RandomErasingProbability, nameof(RandomErasingProbability), 0, 1);
    }

    internal string ToJson() => JsonSerializer.Serialize(this);

    internal static ImageAugmentationOptions FromJson(string json) =>
        JsonSerializer.Deserialize<ImageAugmentationOptions>(json) ?? throw new InvalidDataException("Empty image augmentation annotation.");
}
