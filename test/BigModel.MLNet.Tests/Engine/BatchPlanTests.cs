using BigModel.MLNet.Engine;

namespace BigModel.MLNet.Tests.Engine;

[TestClass]
public class BatchPlanTests
{
    private static int[] Sizes(long rows, int batchSize)
    {
        var plan = new BatchPlan(rows, batchSize);
        return Enumerable.Range(0, (int)plan.Count).Select(i => plan.SizeOf(i)).ToArray();
    }

    [TestMethod]
    public void EveryRowIsInABatchAndNoBatchHasOneRowUnlessAsked()
    {
        CollectionAssert.AreEqual(new[] { 64, 64 }, Sizes(128, 64));
        CollectionAssert.AreEqual(new[] { 64, 65 }, Sizes(129, 64), "a leftover row joins the last batch");
        CollectionAssert.AreEqual(new[] { 64, 64, 2 }, Sizes(130, 64));
        CollectionAssert.AreEqual(new[] { 30 }, Sizes(30, 64));
        CollectionAssert.AreEqual(new[] { 1, 1, 1 }, Sizes(3, 1), "BatchSize 1 means batches of one row, every row");
        CollectionAssert.AreEqual(new[] { 1 }, Sizes(1, 64), "one row of data is one batch");
        for (int rows = 1; rows < 300; rows++)
            foreach (int batchSize in new[] { 1, 2, 7, 64 })
                Assert.AreEqual(rows, Sizes(rows, batchSize).Sum(), $"{rows} rows in batches of {batchSize}");
        Assert.AreEqual(65, new BatchPlan(129, 64).Largest);
        Assert.AreEqual(30, new BatchPlan(30, 1 << 24).Largest, "buffers never exceed the data");
    }

    [TestMethod]
    public void SmallDataGetsSmallerBatchesForEnoughStepsPerEpoch()
    {
        Assert.AreEqual(64, BatchPlan.SmallDataBatchSize(10_000, 64, 16), "enough rows: unchanged");
        Assert.AreEqual(15, BatchPlan.SmallDataBatchSize(240, 64, 16), "240 photos: 16 steps of 15");
        Assert.AreEqual(8, BatchPlan.SmallDataBatchSize(50, 64, 16), "never below 8 rows");
        Assert.AreEqual(4, BatchPlan.SmallDataBatchSize(50, 4, 16), "never above the batch size asked for");
        Assert.AreEqual(64, BatchPlan.SmallDataBatchSize(240, 64, 0), "0 turns it off");
    }
}
