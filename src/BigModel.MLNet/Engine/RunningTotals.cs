using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// An epoch's summed loss and correct predictions, kept on the training device: adding a batch is one in-place add, with
/// no copy to the host (which on a GPU would wait for the step to finish). The totals are read only when asked — for
/// progress reports and at the epoch's end.
/// </summary>
internal sealed class RunningTotals : IDisposable
{
    private readonly Tensor _loss;
    private readonly Tensor _correct;

    public RunningTotals(Device device)
    {
        _loss = zeros(1, dtype: ScalarType.Float64, device: device).DetachFromDisposeScope();
        _correct = zeros(1, dtype: ScalarType.Float64, device: device).DetachFromDisposeScope();
    }

    /// <summary>Rows added so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds a batch's mean loss, weighted by its <paramref name="rows"/>.</summary>
    public void AddLoss(Tensor meanLoss, long rows)
    {
        using var scope = NewDisposeScope();
        using var weight = ((double)rows).ToScalar();
        _loss.add_(meanLoss.detach().to_type(ScalarType.Float64).reshape(1), weight);
        Rows += rows;
    }

    /// <summary>Adds a batch's count of correct predictions (a one-element tensor on the device).</summary>
    public void AddCorrect(Tensor correct)
    {
        using var scope = NewDisposeScope();
        _correct.add_(correct.to(_correct.device).to_type(ScalarType.Float64).reshape(1), Scalars.One);
    }

    /// <summary>The mean loss so far (reads from the device).</summary>
    public double MeanLoss => Rows == 0 ? double.NaN : _loss.item<double>() / Rows;

    /// <summary>The share of correct predictions so far (reads from the device).</summary>
    public double Accuracy => Rows == 0 ? double.NaN : _correct.item<double>() / Rows;

    public void Dispose()
    {
        _loss.Dispose();
        _correct.Dispose();
    }
}
