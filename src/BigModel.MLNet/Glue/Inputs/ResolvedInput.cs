namespace BigModel.MLNet.Glue.Inputs;

/// <summary>A model input with the size it had in the training data.</summary>
internal sealed record ResolvedInput(ModelInput Input, int Size)
{
    public string ColumnName => Input.ColumnName;
}
