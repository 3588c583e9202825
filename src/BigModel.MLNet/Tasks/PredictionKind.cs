namespace BigModel.MLNet.Tasks;

/// <summary>The learning problem a trainer solves; fixes the label type, the loss and the output columns.</summary>
public enum PredictionKind
{
    /// <summary>Predict a <c>Single</c> label; outputs <c>Score</c>.</summary>
    Regression,
    /// <summary>Predict a <c>Boolean</c> label; outputs <c>Score</c> (logit), <c>Probability</c> and <c>PredictedLabel</c>.</summary>
    BinaryClassification,
    /// <summary>Predict a key label; outputs <c>Score</c> (class probabilities) and <c>PredictedLabel</c> (a key).</summary>
    MulticlassClassification,
    /// <summary>Rank items for users from interactions without labels; outputs <c>Score</c> (a relevance logit, higher is better).</summary>
    ImplicitFeedback,
}
