namespace BigModel.MLNet.Glue.Columns;

/// <summary>
/// A reader whose rows have different lengths (tokenised text), padded per batch to the batch's longest row. The
/// batch source groups rows of similar length into the same training batch, so little of each batch is padding.
/// </summary>
internal interface IVariableLengthReader
{
    /// <summary>The length of the row in <paramref name="slot"/>.</summary>
    int LengthOf(int slot);
}
