namespace BigModel.MLNet.Models.Recommender;

/// <summary>What the interactions say.</summary>
public enum FeedbackKind
{
    /// <summary>Each row carries a rating in the label column; the model predicts it (squared error).</summary>
    Explicit,
    /// <summary>Each row is an interaction (a view, a purchase) without a rating; the model learns to rank
    /// interacted items above sampled ones.</summary>
    Implicit,
}
