namespace BigModel.MLNet.Engine;

/// <summary>
/// Everything one fit trains with: the options, the task, the run's surroundings and the data. Presets whose training
/// has stages of its own (transfer learning) receive it and run <see cref="TrainingLoop"/>s as they need.
/// </summary>
/// <param name="Options">How to train.</param>
/// <param name="Task">Loss, accuracy and output checks.</param>
/// <param name="Context">Device, seed, log and cancellation.</param>
/// <param name="Training">The training batches.</param>
/// <param name="Validation">The validation batches, or null.</param>
public sealed record TrainingSession(TrainingOptions Options, ITrainingTask Task, TrainingContext Context, IBatchSource Training, IBatchSource? Validation)
{
    /// <summary>Runs the ordinary loop on <paramref name="network"/>: what a network without stages of its own gets.</summary>
    public TrainingHistory Run(TrainableNetwork network) => new TrainingLoop(Options, Task, Context).Run(network, Training, Validation);
}
