namespace BigModel.MLNet.Models.Mlp;

/// <summary>How the MLP encodes its numeric features inside the network (from the training data's statistics, saved
/// with the model).</summary>
public enum NumericEncoding
{
    /// <summary>The values as they are (normalise them in the pipeline).</summary>
    None,
    /// <summary>Standardised: (x − mean) / std per feature.</summary>
    Standardize,
    /// <summary>Standardised, plus a piecewise-linear encoding over <see cref="MlpOptions.QuantileBins"/> quantile bins
    /// of each feature (Gorishniy et al., 2022): skewed and heavy-tailed features become easy to use.</summary>
    QuantileBins,
}
