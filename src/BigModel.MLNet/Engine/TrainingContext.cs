using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>The run-time surroundings of one training run: device, randomness, log and cancellation.</summary>
/// <param name="Device">Where tensors and the network live.</param>
/// <param name="Seed">Seeds weight initialisation, dropout and the shuffling of every epoch.</param>
/// <param name="Log">Receives progress lines.</param>
/// <param name="IsCancellationRequested">Polled before every batch; true stops training with <see cref="OperationCanceledException"/>.</param>
public sealed record TrainingContext(Device Device, int Seed, Action<string> Log, Func<bool> IsCancellationRequested)
{
    /// <summary>A context for tests and scripts: CPU, no log, never cancelled.</summary>
    public static TrainingContext Cpu(int seed) => new(CPU, seed, _ => { }, () => false);
}
