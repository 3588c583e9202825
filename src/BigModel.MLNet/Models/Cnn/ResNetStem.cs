namespace BigModel.MLNet.Models.Cnn;

/// <summary>ResNet-18's first layers.</summary>
public enum ResNetStem
{
    /// <summary>Standard for images of 128 pixels and more, small-image otherwise.</summary>
    Auto,
    /// <summary>7×7 convolution with stride 2, then 3×3 max-pooling: for 224-pixel images (ImageNet).</summary>
    Standard,
    /// <summary>One 3×3 convolution with stride 1, no pooling: for 28–64-pixel images.</summary>
    SmallImage,
}
