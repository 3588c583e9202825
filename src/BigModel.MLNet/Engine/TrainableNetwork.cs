using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// A network the engine can train: the module that owns the parameters, and how a batch's inputs flow
/// through it. Single-input networks come from <see cref="From(nn.Module{Tensor, Tensor})"/>.
/// </summary>
/// <param name="Module">The module owning every trainable parameter and buffer.</param>
/// <param name="Forward">Computes the network's output (logits or predictions) from a batch's inputs.</param>
/// <param name="Penalty">A regularisation term for the last training forward pass (added to its loss), or null.</param>
public sealed record TrainableNetwork(nn.Module Module, Func<IReadOnlyList<Tensor>, Tensor> Forward, Func<Tensor?>? Penalty = null)
{
    /// <summary>Wraps a module with one input tensor.</summary>
    public static TrainableNetwork From(nn.Module<Tensor, Tensor> module) =>
        new(module, inputs => module.call(inputs[0]));
}
