using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Tuning;

namespace BigModel.MLNet.Tests.Tuning;

[TestClass]
public class SearchSpaceTests
{
    [TestMethod]
    public void AttributesAreReadWithTheirScalesAndStarts()
    {
        var space = SearchSpace.For<MlpOptions>();
        var rate = (RangeParameter)space["LearningRate"];
        Assert.AreEqual((1e-5, 1e-1, 1e-3, true, false), (rate.Min, rate.Max, rate.Init, rate.LogScale, rate.IsInteger));
        var epochs = (RangeParameter)space["Epochs"];
        Assert.IsTrue(epochs.IsInteger && epochs.LogScale);
        Assert.IsFalse(space.Parameters.Any(p => p.Name == nameof(MlpOptions.UseBatchNorm)), "left to its by-task default");
        var withBatchNorm = (ChoiceParameter)space.Choose(nameof(MlpOptions.UseBatchNorm), true, false)[nameof(MlpOptions.UseBatchNorm)];
        CollectionAssert.AreEqual(new object[] { true, false }, withBatchNorm.Choices.ToList(), "a search can add it");
        var embedOneHot = (ChoiceParameter)space["EmbedOneHotSlots"];
        CollectionAssert.AreEquivalent(new object[] { true, false }, embedOneHot.Choices.ToList());
        Assert.AreEqual(true, embedOneHot.Init, "the search starts with one-hot ranges embedded, the default");

        var defaults = space.Defaults();
        var options = new MlpOptions();
        SearchSpace.Apply(options, defaults);
        Assert.AreEqual(new MlpOptions().LearningRate, options.LearningRate, "the defaults are the options' own");
    }

    [TestMethod]
    public void AnOptionalRangeTakesSampledValuesAndAnAddedOffChoice()
    {
        var space = SearchSpace.For<MlpOptions>();
        var halfLife = (RangeParameter)space["WeightAveragingHalfLife"];
        Assert.IsTrue(halfLife.LogScale && !halfLife.IsInteger);
        var options = new MlpOptions();
        SearchSpace.Apply(options, space.Sample(new Random(3)));
        Assert.IsTrue(options.WeightAveragingHalfLife is >= 0.25 and <= 4.0, $"sampled {options.WeightAveragingHalfLife}");

        SearchSpace.Apply(options, space.Choose("WeightAveragingHalfLife", (object?)null).Defaults());
        Assert.IsNull(options.WeightAveragingHalfLife, "a null choice trains without the average");
    }

    [TestMethod]
    public void LogScaleSamplingCoversEveryDecadeAlike()
    {
        var rate = (RangeParameter)SearchSpace.For<MlpOptions>()["LearningRate"];
        var random = new Random(1);
        var decades = Enumerable.Range(0, 20_000).Select(_ => (int)Math.Floor(Math.Log10((double)rate.Sample(random)!))).GroupBy(d => d)
            .ToDictionary(g => g.Key, g => g.Count());
        CollectionAssert.AreEquivalent(new[] { -5, -4, -3, -2 }, decades.Keys.Where(k => decades[k] > 10).ToList(), "1e-5 … 1e-1: four decades");
        foreach (int decade in new[] { -5, -4, -3, -2 })
            Assert.AreEqual(5_000, decades[decade], 250, $"decade 1e{decade}");
    }

    [TestMethod]
    public void GridsEnumerateChoicesTimesRangesAndUserChangesWin()
    {
        var space = new SearchSpace([])
            .Choose("Architecture", "small", "wide")
            .Add(new RangeParameter("LearningRate", 1e-4, 1e-2, 1e-3, LogScale: true));
        var grid = space.Grid(pointsPerRange: 3).Select(t => $"{t["Architecture"]}:{(double)t["LearningRate"]!:G2}").ToList();
        CollectionAssert.AreEqual(new[] { "small:0.0001", "small:0.001", "small:0.01", "wide:0.0001", "wide:0.001", "wide:0.01" }, grid);

        var narrowed = SearchSpace.For<MlpOptions>().Range("LearningRate", 1e-3, 1e-2).Fix("Epochs", 5).Remove("WeightDecay");
        var random = new Random(2);
        for (int i = 0; i < 200; i++)
        {
            var trial = narrowed.Sample(random);
            Assert.IsTrue(trial.Get<double>("LearningRate") is >= 1e-3 and <= 1e-2);
            Assert.AreEqual(5, trial.Get<int>("Epochs"));
            Assert.IsFalse(trial.ContainsKey("WeightDecay"));
        }
        Assert.ThrowsExactly<KeyNotFoundException>(() => narrowed["WeightDecay"]);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => narrowed.Range("LearningRate", 0, 1));
    }
}
