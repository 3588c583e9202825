namespace BigModel.MLNet.Engine;

/// <summary>
/// The sizes of one epoch's batches: <see cref="BatchSize"/> rows each, the rest in a last, smaller batch — except that
/// a single row left over joins the batch before it. Every row is trained on, and no batch has one row unless the
/// batch size or the data is one row (batch normalisation cannot train on one row; see <see cref="TrainingLoop"/>).
/// </summary>
/// <param name="Rows">Rows in the epoch.</param>
/// <param name="BatchSize">The configured rows per batch.</param>
public readonly record struct BatchPlan(long Rows, int BatchSize)
{
    private long Full => Rows / BatchSize;
    private long Remainder => Rows % BatchSize;
    private bool MergesLastRow => Remainder == 1 && Full > 0 && BatchSize > 1;

    /// <summary>Batches in the epoch.</summary>
    public long Count => MergesLastRow || Remainder == 0 ? Full : Full + 1;

    /// <summary>The largest batch: the buffers a reader needs.</summary>
    public int Largest => (int)Math.Min(Rows, MergesLastRow ? BatchSize + 1L : BatchSize);

    /// <summary>
    /// The batch size for <paramref name="rows"/> training rows: <paramref name="batchSize"/>, or smaller (down to 8 rows)
    /// when that would leave fewer than <paramref name="minimumSteps"/> steps an epoch.
    /// </summary>
    public static int SmallDataBatchSize(long rows, int batchSize, int minimumSteps)
    {
        if (minimumSteps <= 0 || rows >= (long)batchSize * minimumSteps)
            return batchSize;
        return (int)Math.Min(batchSize, Math.Max(Math.Min(8, batchSize), rows / minimumSteps));
    }

    /// <summary>Rows in batch <paramref name="index"/> (from 0); past the plan (data longer than counted), the batch size.</summary>
    public int SizeOf(long index)
    {
        if (index < Count - 1 || index >= Count)
            return BatchSize;
        return MergesLastRow ? BatchSize + 1 : Remainder == 0 ? BatchSize : (int)Remainder;
    }
}
