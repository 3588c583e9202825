using System.Diagnostics;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Glue;
using Microsoft.ML;

namespace BigModel.MLNet.Tuning;

/// <summary>
/// Random or grid search with asynchronous successive halving (ASHA, Li et al., 2020), one trial at a time: whenever a
/// trial is among the best 1/η of those that reached its stage, it is promoted — it resumes from its checkpoint and
/// trains η times as many epochs; otherwise a new trial starts. Bad trials thus stop after a few epochs while good ones
/// train to the end, and since every trial's learning-rate schedule plans for the most epochs, a promoted trial
/// continues exactly as if it had never stopped.
/// </summary>
internal sealed class Tuner<TOptions>(MLContext context, TuningOptions<TOptions> options) where TOptions : TrainingOptions, new()
{
    private sealed class Trial(int id, TrialParameters parameters, string folder)
    {
        public int Id { get; } = id;
        public TrialParameters Parameters { get; } = parameters;
        public string Folder { get; } = folder;
        public List<TrialStage> Stages { get; } = [];
        public int Rung { get; set; } = -1; // the last stage trained
        public double Seconds { get; set; }
        public TrialStatus? Ended { get; set; }
        public string? Error { get; set; }
    }

    private readonly List<Trial> _trials = [];
    private readonly int[] _rungs = Rungs(options);
    private (TrialStage? Stage, Trial? Trial, ITransformer? Model) _best;

    /// <summary>Stage epochs: MinEpochs × η^k up to MaxEpochs (just MaxEpochs without successive halving).</summary>
    private static int[] Rungs(TuningOptions<TOptions> options)
    {
        if (!options.SuccessiveHalving)
            return [options.MaxEpochs];
        var rungs = new List<int>();
        for (long epochs = options.MinEpochs; epochs < options.MaxEpochs; epochs *= options.ReductionFactor)
            rungs.Add((int)epochs);
        rungs.Add(options.MaxEpochs);
        return [.. rungs];
    }

    public TuningResult Run()
    {
        options.Validate();
        using var services = new ContextServices(context, "Tuner");
        var random = new Random(services.NextSeed());
        var draws = Draws(random).GetEnumerator();
        string work = options.WorkFolder ?? Directory.CreateTempSubdirectory("bigmodel-tuning").FullName;
        var clock = Stopwatch.StartNew();
        int epochsSpent = 0;
        services.Info($"Tuning {options.SearchSpace.Parameters.Count} parameters for {options.Metric}; stages of {string.Join(", ", _rungs)} epochs.");
        try
        {
            while (!services.IsCanceled && (options.MaxTime is not { } limit || clock.Elapsed < limit))
            {
                var (trial, rung) = Promotion() ?? NewTrial(draws, work);
                if (trial is null)
                    break;
                int epochs = _rungs[rung] - (trial.Rung >= 0 ? _rungs[trial.Rung] : 0);
                if (options.MaxTotalEpochs is { } budget && epochsSpent + epochs > budget)
                    break;
                if (!TrainStage(trial, rung, services))
                    break; // cancelled
                epochsSpent += epochs;
            }
        }
        finally
        {
            if (options.WorkFolder is null)
                Directory.Delete(work, recursive: true);
        }
        foreach (var trial in _trials.Where(t => t.Ended is null))
            trial.Ended = trial.Rung == _rungs.Length - 1 ? TrialStatus.Completed : trial.Rung < 0 ? TrialStatus.Stopped : TrialStatus.Pruned;
        var results = _trials.Select(Result).ToList();
        var best = _best.Trial is { } b ? results[b.Id - 1] : null;
        services.Info(best is null ? "No trial finished a stage."
            : $"Best: trial {best.Id} ({best.Parameters}) after {_best.Stage!.Epochs} epochs, {options.Metric} {_best.Stage.Metric:G5}.");
        return new TuningResult(options.Metric, results, best, _best.Stage, _best.Model, options.MaxEpochs);
    }

    /// <summary>Trains <paramref name="trial"/> up to stage <paramref name="rung"/>; false when cancelled.</summary>
    private bool TrainStage(Trial trial, int rung, ContextServices services)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var trialOptions = new TOptions();
            SearchSpace.Apply(trialOptions, trial.Parameters);
            trialOptions.Epochs = _rungs[rung];
            trialOptions.ScheduleEpochs = options.MaxEpochs;
            trialOptions.CheckpointFolder = trial.Folder;
            trialOptions.CheckpointEveryEpochs = trialOptions.Epochs;
            trialOptions.ResumeFrom = trial.Rung >= 0 ? trial.Folder : null;
            trialOptions.WarmStartFrom = null;
            trialOptions.EarlyStoppingPatience = null; // the tuner decides which trials go on
            trialOptions.ValidationFraction = 0;
            trialOptions.ValidationColumnName = null;
            var model = options.Pipeline(trialOptions, trial.Parameters).Fit(options.TrainData);
            double metric = TuningMetrics.Evaluate(context, options.Metric, model.Transform(options.ValidationData), options.LabelColumnName);
            trial.Stages.Add(new TrialStage(_rungs[rung], metric));
            trial.Rung = rung;
            trial.Seconds += clock.Elapsed.TotalSeconds;
            services.Info($"Trial {trial.Id} ({trial.Parameters}): {_rungs[rung]} epochs, {options.Metric} {metric:G5}.");
            Keep(trial, trial.Stages[^1], model);
            return true;
        }
        catch (OperationCanceledException)
        {
            trial.Seconds += clock.Elapsed.TotalSeconds;
            trial.Ended = TrialStatus.Stopped;
            return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            trial.Seconds += clock.Elapsed.TotalSeconds;
            trial.Ended = TrialStatus.Failed;
            trial.Error = $"{e.GetType().Name}: {e.Message}";
            services.Info($"Trial {trial.Id} ({trial.Parameters}) failed: {trial.Error}");
            return true;
        }
    }

    /// <summary>
    /// Keeps the model of the stage that validated best, whichever trial and however many epochs: trials train on every
    /// row without early stopping, so a promoted trial's longer stage can validate worse than the stage it came from
    /// (on UCI Adult one fell from AUC 0.929 at 9 epochs to 0.912 at 27, docs/benchmarks.md).
    /// </summary>
    private void Keep(Trial trial, TrialStage stage, ITransformer model)
    {
        if (_best.Stage is { } best && !Better(stage.Metric, best.Metric))
        {
            (model as IDisposable)?.Dispose();
            return;
        }
        (_best.Model as IDisposable)?.Dispose(); // every stage's Fit makes a new model
        _best = (stage, trial, model);
    }

    /// <summary>ASHA's next promotion: from the highest stage down, a trial among the best 1/η there, not promoted yet.</summary>
    private (Trial? Trial, int Rung)? Promotion()
    {
        for (int rung = _rungs.Length - 2; rung >= 0; rung--)
        {
            var reached = _trials.Where(t => t.Ended != TrialStatus.Failed && t.Stages.Count > rung).ToList();
            var candidate = reached.OrderBy(t => Order(t.Stages[rung].Metric)).ThenBy(t => t.Id)
                .Take(reached.Count / options.ReductionFactor)
                .FirstOrDefault(t => t.Rung == rung && t.Ended is null);
            if (candidate is not null)
                return (candidate, rung + 1);
        }
        return null;
    }

    private (Trial? Trial, int Rung) NewTrial(IEnumerator<TrialParameters> draws, string work)
    {
        if (_trials.Count >= options.MaxTrials || !draws.MoveNext())
            return (null, 0);
        int id = _trials.Count + 1;
        var trial = new Trial(id, draws.Current, Path.Combine(work, $"trial-{id:D4}"));
        _trials.Add(trial);
        return (trial, 0);
    }

    private IEnumerable<TrialParameters> Draws(Random random)
    {
        if (options.Sampler == TrialSampler.Grid)
        {
            var grid = options.SearchSpace.Grid(options.GridPoints).ToArray();
            random.Shuffle(grid);
            foreach (var point in grid)
                yield return point;
            yield break;
        }
        while (true)
            yield return options.SearchSpace.Sample(random);
    }

    private bool Better(double metric, double than) => double.IsNaN(than) || Order(metric) < Order(than);

    /// <summary>The metric as a number to minimise.</summary>
    private double Order(double metric) => double.IsNaN(metric) ? double.PositiveInfinity : TuningMetrics.LowerIsBetter(options.Metric) ? metric : -metric;

    private static TrialResult Result(Trial trial) =>
        new(trial.Id, trial.Parameters, trial.Stages, trial.Stages.Count == 0 ? 0 : trial.Stages[^1].Epochs, trial.Seconds, trial.Ended!.Value, trial.Error);
}
