namespace BigModel.MLNet.Models.Recommender;

/// <summary>A recommended item: its key and the model's score.</summary>
public sealed record ScoredItem(uint Item, float Score);
