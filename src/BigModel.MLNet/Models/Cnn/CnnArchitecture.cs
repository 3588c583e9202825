namespace BigModel.MLNet.Models.Cnn;

/// <summary>Which convolutional network to train.</summary>
public enum CnnArchitecture
{
    /// <summary>The small, fast preset: conv–BN–ReLU–pool blocks, dropout, one dense layer.</summary>
    Small,
    /// <summary>ResNet-18 (11 million parameters); see <see cref="ResNetStem"/>.</summary>
    ResNet18,
}
