namespace BigModel.MLNet.Tests;

/// <summary>Numeric comparisons the MSTest asserts lack.</summary>
internal static class AssertExtensions
{
    /// <summary>
    /// Fails unless both sequences have the same length and every pair differs by at most <paramref name="tolerance"/>,
    /// relative to the expected value where its magnitude passes 1: float32 holds about 7 significant digits, so scores in
    /// the thousands that agree to the last few bits differ by more than a small absolute tolerance.
    /// </summary>
    public static void AreClose(this CollectionAssert _, IReadOnlyList<float> expected, IReadOnlyList<float> actual, float tolerance)
    {
        Assert.HasCount(expected.Count, actual);
        for (int i = 0; i < expected.Count; i++)
        {
            float diff = Math.Abs(expected[i] - actual[i]), allowed = tolerance * Math.Max(1, Math.Abs(expected[i]));
            if (!(diff <= allowed))
                Assert.Fail($"Element {i}: expected {expected[i]}, got {actual[i]} (difference {diff} > {allowed}).");
        }
    }
}
