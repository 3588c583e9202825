using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Tasks;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Models;

/// <summary>The MLP's ensemble trained as one network (<see cref="MlpOptions.EnsembleSize"/>).</summary>
[TestClass]
public class MlpEnsembleTests
{
    [TestMethod]
    [DataRow(PredictionKind.Regression)]
    [DataRow(PredictionKind.BinaryClassification)]
    [DataRow(PredictionKind.MulticlassClassification)]
    public void TrainingGivesEveryMemberARowAndScoringAveragesThem(PredictionKind kind)
    {
        int outputs = kind == PredictionKind.MulticlassClassification ? 3 : 1;
        using var _ = NewDisposeScope();
        manual_seed(1);
        using var ensemble = new MlpEnsemble(inputWidth: 5, outputs, kind, new MlpOptions { HiddenLayers = [8], EnsembleSize = 4 });
        var input = randn(6, 5);

        ensemble.train();
        var members = ensemble.call(input);
        CollectionAssert.AreEqual(new long[] { 6 * 4, outputs }, members.shape, "one row per member, a row's members together");
        var perRow = members.reshape(6, 4, outputs);
        Assert.IsGreaterThan(1e-3, (perRow - perRow.mean([1], keepdim: true)).abs().max().item<float>(), "the members differ");

        ensemble.eval();
        var scored = ensemble.call(input);
        CollectionAssert.AreEqual(new long[] { 6, outputs }, scored.shape);
        // What the tasks read from the output (value, sigmoid, softmax) is the members' average.
        var (expected, actual) = kind switch
        {
            PredictionKind.Regression => (perRow.mean([1]), scored),
            PredictionKind.BinaryClassification => (perRow.sigmoid().mean([1]), scored.sigmoid()),
            _ => (perRow.softmax(2).mean([1]), scored.softmax(1)),
        };
        Assert.IsTrue(expected.allclose(actual, rtol: 1e-5, atol: 1e-6), $"{kind}: scores average the members");
    }

    [TestMethod]
    public void AnEnsembleLearnsCountsItsParametersAndSavesAsOne()
    {
        // The shop prices of the tabular tests with 8 members. Each member adds a scale per input value (3 numbers
        // standardised, 2 × 32 bins at most, the shop's embedding) and an output layer; the hidden layers are shared.
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => messages.Add(e.RawMessage);
        var rows = SyntheticTabular.Generate(2000, 1);
        var train = SyntheticTabular.Keyed(ml, rows);
        var test = SyntheticTabular.Keyed(ml, SyntheticTabular.Generate(500, 2), rows);
        MlpOptions Options(int members) => new()
        {
            FeatureColumnName = "Numbers", LabelColumnName = "Price", CategoricalColumnNames = ["Shop"], Epochs = 25, LearningRate = 3e-3,
            EnsembleSize = members,
        };
        double Rmse(ITransformer model) => ml.Regression.Evaluate(model.Transform(test), labelColumnName: "Price").RootMeanSquaredError;

        var single = ml.Deep().Regression.Mlp(Options(1)).Fit(train);
        long singleParameters = Parameters(messages);
        var estimator = ml.Deep().Regression.Mlp(Options(8));
        var model = estimator.Fit(train);
        long ensembleParameters = Parameters(messages);

        double ensemble = Rmse(model), alone = Rmse(single);
        Assert.IsLessThan(100, ensemble, $"RMSE {ensemble:F1} on prices with a standard deviation near 1,300 (one network: {alone:F1})");
        Assert.IsLessThan(1.5 * alone, ensemble, $"RMSE {ensemble:F1} with 8 members, {alone:F1} with one network");
        // The hidden layers are shared: the ensemble adds only 7 more output layers (64 weights and a bias each) and
        // 8 scales per value the first layer reads (more than the 2 numbers, fewer than 2 × 33 encoded values and the shop).
        long scales = ensembleParameters - singleParameters - 7 * 65;
        Assert.AreEqual(0, scales % 8, $"{singleParameters:N0} parameters alone, {ensembleParameters:N0} with 8 members");
        Assert.IsTrue(scales / 8 is > 2 and < 80, $"{scales / 8} values per row read by the first layer");
        // The saved model is the same graph; scored row by row instead of in batches, its members' products of prices in
        // the thousands can round a few float32 steps apart (an ulp is 6e-5 at 759).
        EstimatorConformance.Check(ml, estimator, model, train, test, scoreTolerance: 1e-3, "Score");
    }

    private static long Parameters(List<string> log) =>
        long.Parse(log.Last(m => m.EndsWith(" parameters.")).Split(' ')[1].Replace(",", ""));
}
