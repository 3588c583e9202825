namespace BigModel.MLNet.Models.Mlp;

/// <summary>The non-linearity after each hidden layer of an MLP.</summary>
public enum MlpActivation
{
    /// <summary>max(0, x).</summary>
    ReLU,
    /// <summary>Gaussian error linear unit (exact form).</summary>
    GELU,
    /// <summary>x · sigmoid(x).</summary>
    SiLU,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>max(0.01x, x).</summary>
    LeakyReLU,
}
