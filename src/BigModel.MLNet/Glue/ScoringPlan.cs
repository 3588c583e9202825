using BigModel.MLNet.Glue.Inputs;
using BigModel.MLNet.Tasks;

namespace BigModel.MLNet.Glue;

/// <summary>How a trained model scores: its task, its input columns and their sizes, its ONNX scorer, and the batch size.</summary>
internal sealed record ScoringPlan(PredictionTask Task, IReadOnlyList<ResolvedInput> Inputs, OnnxBatchScorer Scorer, int BatchSize);
