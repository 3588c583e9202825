using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// A detached copy of a module's weights and buffers (its <c>state_dict</c>) that can be loaded back: the best epoch
/// for early stopping, the stage a run in stages keeps.
/// </summary>
internal sealed class WeightSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> _weights;

    private WeightSnapshot(IReadOnlyDictionary<string, Tensor> weights) =>
        _weights = weights.ToDictionary(w => w.Key, w => w.Value.detach().clone().DetachFromDisposeScope());

    /// <summary>Copies <paramref name="module"/>'s current weights.</summary>
    public static WeightSnapshot Of(nn.Module module) => new(module.state_dict());

    /// <summary>Copies weights by name (e.g. read from a checkpoint).</summary>
    public static WeightSnapshot Of(IReadOnlyDictionary<string, Tensor> weights) => new(weights);

    /// <summary>The copied weights by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights => _weights;

    /// <summary>Loads the copy back into <paramref name="module"/> (the module it was taken from).</summary>
    public void RestoreInto(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (name, value) in module.state_dict())
            value.copy_(_weights[name]);
    }

    public void Dispose()
    {
        foreach (var tensor in _weights.Values)
            tensor.Dispose();
    }
}
