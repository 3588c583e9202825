using BigModel.MLNet.Tasks;

namespace BigModel.MLNet.Glue;

/// <summary>How a trained model scores: its task, its feature column and width, its ONNX scorer, and the batch size.</summary>
internal sealed record ScoringPlan(PredictionTask Task, string FeatureColumn, int FeatureWidth, OnnxBatchScorer Scorer, int BatchSize);
