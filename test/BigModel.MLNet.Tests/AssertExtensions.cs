namespace BigModel.MLNet.Tests;

/// <summary>Numeric comparisons the MSTest asserts lack.</summary>
internal static class AssertExtensions
{
    /// <summary>Fails unless both sequences have the same length and every pair differs by at most <paramref name="tolerance"/>.</summary>
    public static void AreClose(this CollectionAssert _, IReadOnlyList<float> expected, IReadOnlyList<float> actual, float tolerance)
    {
        Assert.HasCount(expected.Count, actual);
        for (int i = 0; i < expected.Count; i++)
        {
            float diff = Math.Abs(expected[i] - actual[i]);
            if (!(diff <= tolerance))
                Assert.Fail($"Element {i}: expected {expected[i]}, got {actual[i]} (difference {diff} > {tolerance}).");
        }
    }
}
