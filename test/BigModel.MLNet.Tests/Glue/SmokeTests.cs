using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;

namespace BigModel.MLNet.Tests.Glue;

[TestClass]
public class SmokeTests
{
    [TestMethod]
    public void RegressionTrainsScoresSavesAndLoads()
    {
        var ml = new MLContext(1);
        ml.Log += (_, e) => { if (e.Source.Contains("Mlp")) Console.WriteLine(e.Message); };
        var train = SyntheticData.Regression(ml, 2000, 1);
        var test = SyntheticData.Regression(ml, 500, 2);
        var model = ml.Deep().Regression.Mlp(epochs: 30, learningRate: 3e-3).Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.Regression.Evaluate(scored);
        Console.WriteLine($"RMSE {metrics.RootMeanSquaredError} R2 {metrics.RSquared}");
        var sdca = ml.Regression.Trainers.Sdca().Fit(train);
        Console.WriteLine($"SDCA RMSE {ml.Regression.Evaluate(sdca.Transform(test)).RootMeanSquaredError}");
        ml.Model.Save(model, train.Schema, "/tmp/smoke.zip");
        var ml2 = new MLContext(2);
        ml2.Deep();
        var loaded = ml2.Model.Load("/tmp/smoke.zip", out _);
        var m2 = ml2.Regression.Evaluate(loaded.Transform(test));
        Console.WriteLine($"reloaded RMSE {m2.RootMeanSquaredError}");
    }
}
