namespace BigModel.MLNet.Models.Recommender;

/// <summary>Which recommender network to train. All share the bias terms and the cold-start fallback.</summary>
public enum RecommenderArchitecture
{
    /// <summary>Global, user and item biases only: the baseline every other model must beat.</summary>
    Biases,
    /// <summary>Biases plus the dot product of user and item embeddings (biased matrix factorisation).</summary>
    MatrixFactorization,
    /// <summary>Biases plus neural matrix factorisation: a GMF tower (element-wise product of embeddings) and an MLP
    /// tower over concatenated embeddings (and side features), fused by a linear layer.</summary>
    NeuMF,
}
