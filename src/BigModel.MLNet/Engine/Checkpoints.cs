using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>Where a run stands: its random seed, epochs completed, steps taken and batch-norm recomputation draws.</summary>
internal readonly record struct RunState(int Seed, int Epoch = 0, long Step = 0, long StatisticsDraws = 0);

/// <summary>Writes a training run into a <see cref="Checkpoint"/> and puts one back into a run.</summary>
internal static class Checkpoints
{
    private const string BestPrefix = "best/";
    private const string AveragePrefix = "average/";

    public static string Write(string folder, RunState state, nn.Module module, Optimizer optimizer, EarlyStopping? earlyStopping,
        WeightAverage? average, IReadOnlyList<EpochMetrics> history)
    {
        var names = NamesOf(module);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, value) in module.state_dict())
            tensors[$"network/{name}"] = value;
        foreach (var (name, value) in optimizer.States(p => names[p]))
            tensors[name] = value;
        var saved = earlyStopping?.Save();
        foreach (var (name, value) in saved?.Weights ?? new Dictionary<string, Tensor>())
            tensors[$"{BestPrefix}{name}"] = value;
        foreach (var (name, value) in average?.Save() ?? [])
            tensors[$"{AveragePrefix}{name}"] = value;
        return new Checkpoint
        {
            Epoch = state.Epoch, Step = state.Step, StatisticsDraws = state.StatisticsDraws, OptimizerSteps = optimizer.Steps,
            Seed = state.Seed, History = [.. history], EarlyStopping = saved?.State, Tensors = tensors,
        }.Write(folder);
    }

    /// <summary>Loads a checkpoint into the run's network, optimiser, early stopping and history; returns where it stood.</summary>
    public static RunState Resume(string path, nn.Module module, Optimizer optimizer, EarlyStopping? earlyStopping,
        WeightAverage? average, List<EpochMetrics> history, TrainingContext context)
    {
        using var checkpoint = Checkpoint.Read(path);
        LoadNetwork(checkpoint, module, path);
        var names = NamesOf(module);
        optimizer.Restore(checkpoint.OptimizerSteps, checkpoint.Tensors, p => names[p]);
        if (earlyStopping is not null && checkpoint.EarlyStopping is { } state)
            earlyStopping.Restore(state, Under(checkpoint, BestPrefix));
        average?.Restore(Under(checkpoint, AveragePrefix));
        history.AddRange(checkpoint.History);
        context.Log($"Resuming from '{path}' after epoch {checkpoint.Epoch}" +
            (checkpoint.Seed == context.Seed ? "." : $" (with the random streams of its seed, {checkpoint.Seed})."));
        return new RunState(checkpoint.Seed, checkpoint.Epoch, checkpoint.Step, checkpoint.StatisticsDraws);
    }

    /// <summary>Loads only the network's weights of a checkpoint (a warm start).</summary>
    public static void WarmStart(string path, nn.Module module, TrainingContext context)
    {
        using var checkpoint = Checkpoint.Read(path);
        LoadNetwork(checkpoint, module, path);
        context.Log($"Starting from the weights of '{path}' (epoch {checkpoint.Epoch} of its run).");
    }

    private static void LoadNetwork(Checkpoint checkpoint, nn.Module module, string path)
    {
        using var _ = no_grad();
        foreach (var (name, value) in module.state_dict())
        {
            if (!checkpoint.Tensors.TryGetValue($"network/{name}", out var saved))
                throw new InvalidDataException($"'{path}' was written by another network: it has no '{name}'.");
            if (!saved.shape.SequenceEqual(value.shape))
                throw new InvalidDataException($"'{path}' was written by another network: '{name}' is [{string.Join(", ", saved.shape)}] there, " +
                    $"[{string.Join(", ", value.shape)}] here.");
            value.copy_(saved);
        }
    }

    /// <summary>The checkpoint's tensors whose names start with <paramref name="prefix"/>, by the rest of their names.</summary>
    private static Dictionary<string, Tensor> Under(Checkpoint checkpoint, string prefix) =>
        checkpoint.Tensors.Where(t => t.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(t => t.Key[prefix.Length..], t => t.Value);

    private static Dictionary<Parameter, string> NamesOf(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.parameter, p => p.name, new ReferenceComparer());

    /// <summary>Parameters by identity: one tensor may compare equal to another by value.</summary>
    private sealed class ReferenceComparer : IEqualityComparer<Parameter>
    {
        public bool Equals(Parameter? x, Parameter? y) => ReferenceEquals(x, y);
        public int GetHashCode(Parameter obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }
}
