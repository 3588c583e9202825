using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Watches a validation metric, keeps a copy of the best epoch's weights, and says when patience has run out.
/// </summary>
internal sealed class EarlyStopping(EarlyStoppingMetric metric, int patience, double minDelta) : IDisposable
{
    private WeightSnapshot? _bestWeights;
    private double _best = double.NaN;
    private int _epochsWithoutImprovement;

    public int? BestEpoch { get; private set; }

    /// <summary>Records an epoch; returns true when training should stop.</summary>
    public bool Update(EpochMetrics epoch, nn.Module module)
    {
        double value = metric switch
        {
            EarlyStoppingMetric.ValidationLoss => epoch.ValidationLoss!.Value,
            _ => -epoch.ValidationAccuracy!.Value, // minimise the negated accuracy
        };
        if (double.IsNaN(_best) || value < _best - minDelta)
        {
            _best = value;
            BestEpoch = epoch.Epoch;
            _epochsWithoutImprovement = 0;
            Snapshot(module);
            return false;
        }
        return ++_epochsWithoutImprovement >= patience;
    }

    /// <summary>The counters and best weights, for checkpoints.</summary>
    public (Checkpoint.EarlyStoppingState State, IReadOnlyDictionary<string, Tensor> Weights) Save() =>
        (new Checkpoint.EarlyStoppingState(_best, BestEpoch, _epochsWithoutImprovement), _bestWeights?.Weights ?? new Dictionary<string, Tensor>());

    /// <summary>Continues from a checkpoint's counters and best weights.</summary>
    public void Restore(Checkpoint.EarlyStoppingState state, IReadOnlyDictionary<string, Tensor> weights)
    {
        DisposeWeights();
        (_best, BestEpoch, _epochsWithoutImprovement) = (state.Best, state.BestEpoch, state.EpochsWithoutImprovement);
        _bestWeights = weights.Count == 0 ? null : WeightSnapshot.Of(weights);
    }

    /// <summary>Loads the best epoch's weights back into <paramref name="module"/>.</summary>
    public void RestoreBest(nn.Module module) => _bestWeights?.RestoreInto(module);

    private void Snapshot(nn.Module module)
    {
        DisposeWeights();
        _bestWeights = WeightSnapshot.Of(module);
    }

    private void DisposeWeights()
    {
        _bestWeights?.Dispose();
        _bestWeights = null;
    }

    public void Dispose() => DisposeWeights();
}
