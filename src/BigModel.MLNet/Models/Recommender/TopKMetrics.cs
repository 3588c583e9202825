namespace BigModel.MLNet.Models.Recommender;

/// <summary>Top-K ranking quality over held-out interactions.</summary>
/// <param name="K">The cut-off.</param>
/// <param name="HitRate">Share of cases whose held-out item ranks in the top <paramref name="K"/>.</param>
/// <param name="Ndcg">Mean normalised discounted cumulative gain at <paramref name="K"/> (one relevant item per case:
/// 1 / log₂(rank + 2) for a 0-based rank below K, else 0).</param>
/// <param name="Cases">How many held-out interactions were ranked.</param>
public sealed record TopKMetrics(int K, double HitRate, double Ndcg, int Cases)
{
    /// <summary>Held-out interactions that could not be ranked (an unseen user or item, or too few items left to draw
    /// as negatives) and so count in neither metric.</summary>
    public int SkippedCases { get; init; }

    /// <summary>The metrics from the 0-based rank of each case's held-out item among its candidates.</summary>
    /// <exception cref="ArgumentException">No ranks, a negative rank, or K below 1.</exception>
    public static TopKMetrics FromRanks(IEnumerable<int> ranks, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var all = ranks.ToList();
        if (all.Count == 0)
            throw new ArgumentException("There are no ranked cases to evaluate.", nameof(ranks));
        if (all.Any(rank => rank < 0))
            throw new ArgumentException("Ranks are 0-based and cannot be negative.", nameof(ranks));
        double hits = all.Count(rank => rank < k);
        double gain = all.Where(rank => rank < k).Sum(rank => 1 / Math.Log2(rank + 2));
        return new TopKMetrics(k, hits / all.Count, gain / all.Count, all.Count);
    }
}
