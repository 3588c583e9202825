namespace BigModel.MLNet.Glue;

/// <summary>The columns a trainer reads.</summary>
internal sealed record TrainerColumns(string Label, string Features);
