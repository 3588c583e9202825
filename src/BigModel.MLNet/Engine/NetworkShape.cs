namespace BigModel.MLNet.Engine;

/// <summary>The sizes a network must fit: its input width (features per row) and output width (1, or the class count).</summary>
/// <param name="InputSize">Values per input row.</param>
/// <param name="OutputSize">Values the network must output per row: 1 for regression and binary classification,
/// the class count for multiclass (logits; the model adds the softmax).</param>
public sealed record NetworkShape(int InputSize, int OutputSize);
