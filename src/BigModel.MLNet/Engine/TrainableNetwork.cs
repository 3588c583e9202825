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
/// <param name="Groups">Gathers parameter groups with their own learning-rate scale and frozen epochs from
/// <paramref name="Module"/>; null trains every parameter alike. Training calls it once the module is on its device: a
/// move to another device replaces the parameters (TorchSharp disposes the old ones), so groups gathered before it
/// would hold tensors that are gone.</param>
/// <param name="OutputsPerRow">Output rows per input row while training: an ensemble trained as one network outputs one
/// per member, next to each other, and each is trained on the row's target. Scoring and validation get one per row.</param>
public sealed record TrainableNetwork(nn.Module Module, Func<IReadOnlyList<Tensor>, Tensor> Forward, Func<Tensor?>? Penalty = null,
    Func<IReadOnlyList<ParameterGroup>>? Groups = null, int OutputsPerRow = 1)
{
    /// <summary>The groups to train, gathered from the module as it is now: <see cref="Groups"/>, or all parameters in one
    /// group.</summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups() => Groups?.Invoke() ?? [new ParameterGroup(Module.parameters().ToList())];

    /// <summary>Wraps a module with one input tensor.</summary>
    public static TrainableNetwork From(nn.Module<Tensor, Tensor> module) =>
        new(module, inputs => module.call(inputs[0]));
}
