using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// An exponential moving average of a module's floating-point parameters (Polyak averaging), updated after every
/// optimiser step. The loop swaps it into the module to validate, and keeps it at the end: an average over the last
/// steps' weights scores more steadily than the weights of the last step, which carry that step's noise.
/// </summary>
internal sealed class WeightAverage : IDisposable
{
    private readonly List<(string Name, Parameter Live, Tensor Average)> _weights;
    private readonly double _decay;
    private List<Tensor>? _parked;

    /// <param name="module">The module whose floating-point parameters are averaged (from their current values).</param>
    /// <param name="halfLifeSteps">Steps after which an update's weight in the average has halved.</param>
    public WeightAverage(nn.Module module, double halfLifeSteps)
    {
        _decay = Math.Pow(0.5, 1.0 / halfLifeSteps);
        using var _ = no_grad();
        _weights = module.named_parameters().Where(p => p.parameter.is_floating_point())
            .Select(p => (p.name, p.parameter, p.parameter.detach().clone().DetachFromDisposeScope())).ToList();
    }

    /// <summary>
    /// Moves the average towards the current weights after optimiser step <paramref name="step"/> (0-based). The first
    /// steps weigh more ((1 + step) / (10 + step) caps the decay), so the initial weights are soon forgotten.
    /// </summary>
    public void Update(long step)
    {
        double decay = Math.Min(_decay, (1.0 + step) / (10.0 + step));
        using var _ = no_grad();
        // Scalars kept alive by the using, made once per step: an implicit one per call could be finalised mid-call
        // (see Scalars), and lerp_ would turn a number into a new tensor for every weight.
        using var keep = decay.ToScalar();
        using var take = (1 - decay).ToScalar();
        foreach (var (_, live, average) in _weights)
            average.mul_(keep).add_(live, take);
    }

    /// <summary>Puts the average into the module, keeping the live weights aside for <see cref="SwapOut"/>.</summary>
    public void SwapIn()
    {
        using (no_grad())
            _parked = _weights.Select(w => w.Live.detach().clone().DetachFromDisposeScope()).ToList();
        KeepAverage();
    }

    /// <summary>Puts the live weights back after <see cref="SwapIn"/>, so training continues from them.</summary>
    public void SwapOut()
    {
        if (_parked is null)
            return;
        using var _ = no_grad();
        for (int i = 0; i < _weights.Count; i++)
            _weights[i].Live.copy_(_parked[i]);
        DisposeParked();
    }

    /// <summary>Copies the average into the module: the weights a run without early stopping ends with.</summary>
    public void KeepAverage()
    {
        using var _ = no_grad();
        foreach (var (_, live, average) in _weights)
            live.copy_(average);
    }

    /// <summary>The average by parameter name, for checkpoints.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Save() => _weights.Select(w => KeyValuePair.Create(w.Name, w.Average));

    /// <summary>
    /// Continues from a checkpoint's average, called once the checkpoint's weights are loaded: a checkpoint written
    /// without averaging starts the average from those weights.
    /// </summary>
    public void Restore(IReadOnlyDictionary<string, Tensor> averages)
    {
        using var _ = no_grad();
        foreach (var (name, live, average) in _weights)
            average.copy_(averages.TryGetValue(name, out var saved) ? saved : live);
    }

    private void DisposeParked()
    {
        foreach (var tensor in _parked ?? [])
            tensor.Dispose();
        _parked = null;
    }

    public void Dispose()
    {
        DisposeParked();
        foreach (var (_, _, average) in _weights)
            average.Dispose();
    }
}
