namespace BigModel.MLNet.Engine;

/// <summary>The loss of regression models (on the standardised label, see <see cref="TrainingOptions.StandardizeLabel"/>).</summary>
public enum RegressionLoss
{
    /// <summary>Squared error: the mean, as RMSE measures it.</summary>
    SquaredError,
    /// <summary>Huber: squared within <see cref="TrainingOptions.HuberDelta"/>, linear beyond, so that heavy-tailed
    /// labels (counts, prices with outliers) do not let a few rows dominate.</summary>
    Huber,
}
