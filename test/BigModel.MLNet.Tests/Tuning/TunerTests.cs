using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Tests.Fixtures;
using BigModel.MLNet.Tuning;
using Microsoft.ML;

namespace BigModel.MLNet.Tests.Tuning;

[TestClass]
public class TunerTests
{
    // Plain SGD at the default rate of 1e-3 barely moves in 9 epochs: defaults that are poor on purpose.
    private static TuningOptions<MlpOptions> Options(MLContext ml, bool halving = true, Func<TrialParameters, bool>? fail = null) => new()
    {
        SearchSpace = new SearchSpace([new RangeParameter("LearningRate", 1e-4, 0.3, 1e-3, LogScale: true)]),
        Pipeline = (options, trial) =>
        {
            if (fail?.Invoke(trial) == true)
                throw new InvalidOperationException("this trial breaks");
            options.Optimizer = OptimizerKind.Sgd;
            options.Momentum = 0;
            return ml.Deep().Regression.Mlp(options);
        },
        TrainData = SyntheticData.Regression(ml, 400, 1),
        ValidationData = SyntheticData.Regression(ml, 200, 2),
        Metric = TuningMetric.RootMeanSquaredError,
        SuccessiveHalving = halving, MinEpochs = 1, MaxEpochs = 9, ReductionFactor = 3, MaxTrials = 9,
    };

    [TestMethod]
    public void FindsABetterLearningRateThanTheDefaultAndHalvingSavesEpochs()
    {
        var ml = new MLContext(1);
        var result = ml.Deep().Tune(Options(ml));
        var options = Options(ml);
        var defaults = new MlpOptions { Epochs = 9, Optimizer = OptimizerKind.Sgd, Momentum = 0 };
        double baseline = ml.Regression.Evaluate(ml.Deep().Regression.Mlp(defaults).Fit(options.TrainData).Transform(options.ValidationData)).RootMeanSquaredError;

        Assert.IsLessThan(0.7 * baseline, result.BestMetric!.Value, $"tuned RMSE {result.BestMetric:F3} vs default {baseline:F3}");
        Assert.IsGreaterThan(3 * 1e-3, result.BestParameters!.Get<double>("LearningRate"), "a clearly larger rate than the poor default");
        var stages = result.Trials.SelectMany(t => t.Stages).Where(s => !double.IsNaN(s.Metric)).ToList();
        Assert.AreEqual(stages.Min(s => s.Metric), result.BestMetric!.Value, "the best stage of any trial");
        CollectionAssert.Contains(result.BestTrial!.Stages.ToList(), result.BestStage);
        Assert.IsLessThan(0.5 * result.EpochsWithoutPruning, result.EpochsSpent,
            $"ASHA spent {result.EpochsSpent} epochs; training all {result.Trials.Count} trials fully would cost {result.EpochsWithoutPruning}");
        Assert.IsTrue(result.Trials.Any(t => t.Status == TrialStatus.Pruned));
        double reported = ml.Regression.Evaluate(result.BestModel!.Transform(options.ValidationData)).RootMeanSquaredError;
        Assert.AreEqual(result.BestMetric!.Value, reported, 1e-6, "the best model is the best trial's");
    }

    [TestMethod]
    public void AnEarlierStageThatValidatedBetterIsTheOneKept()
    {
        var ml = new MLContext(1);
        var options = Options(ml);
        var pipeline = options.Pipeline;
        // Every stage after the first trains afresh at a rate too small to learn anything, so it validates worse than
        // the first stage of a good trial: the tuner must not hand back a promoted trial's longer, worse stage.
        options.Pipeline = (o, trial) =>
        {
            if (o.Epochs > 1)
                (o.LearningRate, o.ResumeFrom) = (1e-7, null);
            return pipeline(o, trial);
        };
        var result = ml.Deep().Tune(options);

        Assert.IsTrue(result.Trials.Any(t => t.Stages.Count > 1), "some trial was promoted to a longer stage");
        Assert.AreEqual(1, result.BestStage!.Epochs, string.Join("; ", result.Trials.Select(t => string.Join(" ", t.Stages))));
        double reported = ml.Regression.Evaluate(result.BestModel!.Transform(options.ValidationData)).RootMeanSquaredError;
        Assert.AreEqual(result.BestMetric!.Value, reported, 1e-6, "the model is that stage's");
    }

    [TestMethod]
    public void SameSeedSameTrialsAndAFailingTrialIsRecorded()
    {
        string Run(int seed)
        {
            var ml = new MLContext(seed);
            var options = Options(ml, halving: true, fail: trial => trial.Get<double>("LearningRate") > 0.1);
            options.MaxTrials = 6;
            var result = ml.Deep().Tune(options);
            Assert.IsTrue(result.Trials.Any(t => t.Status == TrialStatus.Failed && t.Error!.Contains("this trial breaks")) ||
                result.Trials.All(t => t.Parameters.Get<double>("LearningRate") <= 0.1), "failures are recorded");
            Assert.IsTrue(result.Trials.Count == 6, "the search went on after a failure");
            return string.Join("; ", result.Trials.Select(t => $"{t.Parameters} {t.Status} {t.Metric:G6}")) + $" best {result.BestTrial?.Id}";
        }
        Assert.AreEqual(Run(3), Run(3));
        Assert.AreNotEqual(Run(3), Run(4));
    }

    [TestMethod]
    public void CancellationReturnsWhatWasFoundSoFar()
    {
        var ml = new MLContext(1);
        var catalog = ml.Deep();
        var options = Options(ml);
        int stages = 0;
        var pipeline = options.Pipeline;
        options.Pipeline = (o, t) => { if (++stages == 4) catalog.CancelExecution(); return pipeline(o, t); };
        var result = catalog.Tune(options);
        Assert.IsLessThan(9, result.Trials.Count);
        Assert.IsNotNull(result.BestTrial, "the trials done before are kept");
        Assert.IsTrue(result.Trials.Any(t => t.Status == TrialStatus.Stopped));
    }
}
