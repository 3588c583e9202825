using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tasks;

/// <summary>An output column of a trained model and how to read it from a scored batch.</summary>
/// <param name="Name">The column's name (<c>Score</c>, <c>Probability</c>, <c>PredictedLabel</c>).</param>
/// <param name="Type">The column's type.</param>
/// <param name="Annotations">Its annotations (key values of a predicted label), or null.</param>
/// <param name="MakeGetter">Makes a <c>ValueGetter</c> that reads the batch's current row.</param>
internal sealed record ScoreColumn(string Name, DataViewType Type, DataViewSchema.Annotations? Annotations, Func<ScoredBatch, Delegate> MakeGetter);
