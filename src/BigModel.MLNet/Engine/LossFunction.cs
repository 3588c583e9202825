using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Computes the per-row loss of a batch (shape [rows]); the engine weighs and averages it.
/// </summary>
/// <param name="output">The network's output for the batch.</param>
/// <param name="target">The batch's target tensor.</param>
public delegate Tensor LossFunction(Tensor output, Tensor target);
