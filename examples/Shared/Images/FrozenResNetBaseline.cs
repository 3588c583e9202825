using Microsoft.ML;

namespace BigModel.MLNet.Examples;

/// <summary>
/// ML.NET's own answer for image classification, the baseline the image examples beat: its ResNet-18 featurizer
/// (frozen ImageNet weights) on 224-pixel images, with an L-BFGS maximum-entropy classifier on the features.
/// </summary>
internal static class FrozenResNetBaseline
{
    /// <summary>The pipeline from a text label and an image-path column to ML.NET's multiclass outputs.</summary>
    public static IEstimator<ITransformer> Estimator(MLContext ml, string imagePathColumn) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Photo", imageFolder: "", inputColumnName: imagePathColumn))
            .Append(ml.Transforms.ResizeImages("Photo", 224, 224))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Photo"))
            .Append(ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn), "Pixels"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy());
}
