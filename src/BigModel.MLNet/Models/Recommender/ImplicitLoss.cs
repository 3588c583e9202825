namespace BigModel.MLNet.Models.Recommender;

/// <summary>The loss for implicit feedback.</summary>
public enum ImplicitLoss
{
    /// <summary>Logistic loss: interactions are positives, sampled items negatives (as in NCF).</summary>
    BinaryCrossEntropy,
    /// <summary>Bayesian personalised ranking: each interaction should score above each of its sampled items.</summary>
    Bpr,
}
