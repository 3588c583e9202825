using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Tasks;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Models;

/// <summary>The MLP's ensemble trained as one network (<see cref="MlpOptions.EnsembleSize"/>), as a module; end to end in
/// <see cref="TabularMlpTests"/>.</summary>
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
        using var ensemble = new MlpEnsemble(inputWidth: 5, outputs, kind, new MlpOptions { HiddenLayers = [8], EnsembleSize = 4 }, batchNorm: false);
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
}
