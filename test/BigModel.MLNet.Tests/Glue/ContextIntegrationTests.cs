using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Glue;

/// <summary>The trainers honour the MLContext: its log, cancellation and GPU settings.</summary>
[TestClass]
public class ContextIntegrationTests
{
    [TestMethod]
    public void ProgressAndDeviceChoiceReachTheContextLog()
    {
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Source.StartsWith("MlpRegression", StringComparison.Ordinal)) messages.Add(e.Message); };
        var model = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 2 }).Fit(SyntheticData.Regression(ml, 100, 1));
        Assert.IsTrue(messages.Any(m => m.Contains("training on cpu")), string.Join("\n", messages));
        Assert.IsGreaterThanOrEqualTo(2, model.History.Epochs.Count);
        Assert.AreEqual(model.History.Epochs.Count, messages.Count(m => m.Contains("Epoch ")), "each epoch of both fits (the MLP refits) is logged");
        Assert.AreEqual("cpu", model.History.Device);
    }

    [TestMethod]
    public void GpuRequestWithoutCudaFailsClearlyUnlessFallbackIsAllowed()
    {
        if (cuda.is_available())
            Assert.Inconclusive("This machine has CUDA; the test covers machines without it.");
        var ml = new MLContext(1) { GpuDeviceId = 0, FallbackToCpu = false };
        var data = SyntheticData.Regression(ml, 50, 1);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1 }).Fit(data));
        StringAssert.Contains(error.Message, "FallbackToCpu");

        ml.FallbackToCpu = true;
        Assert.AreEqual("cpu", ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1 }).Fit(data).History.Device);
    }

    [TestMethod]
    public void DeviceSelectorHonoursTheGpuIdValue()
    {
        if (cuda.is_available())
            Assert.Inconclusive("This machine has CUDA; the test covers machines without it.");
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => DeviceSelector.Select(DeviceKind.Auto, 3, false, out _));
        StringAssert.Contains(error.Message, "device 3");
        Assert.AreEqual(DeviceType.CPU, DeviceSelector.Select(DeviceKind.Auto, null, false, out _).type);
        Assert.AreEqual(DeviceType.CPU, DeviceSelector.Select(DeviceKind.Cpu, 3, false, out _).type, "an explicit CPU request wins");
        Assert.ThrowsExactly<InvalidOperationException>(() => DeviceSelector.Select(DeviceKind.Cuda, null, false, out _));
    }

    [TestMethod]
    public void CancelExecutionStopsTrainingBeforeTheNextBatch()
    {
        var ml = new MLContext(1);
        var catalog = ml.Deep();
        int epochs = 0;
        var options = new MlpOptions { Epochs = 50, EpochEnded = _ => { if (++epochs == 2) catalog.CancelExecution(); } };
        Assert.ThrowsExactly<OperationCanceledException>(() => catalog.Regression.Mlp(options).Fit(SyntheticData.Regression(ml, 200, 1)));
        Assert.AreEqual(2, epochs, "no epoch finished after the cancellation");
    }

    [TestMethod]
    public void CustomNetworkAndLossTrainAndSave()
    {
        var ml = new MLContext(1);
        var train = SyntheticData.Regression(ml, 1000, 1);
        var test = SyntheticData.Regression(ml, 300, 2);
        NetworkShape? seen = null;
        // Absolute error instead of the default squared error.
        var estimator = ml.Deep().Regression.Custom(
            shape => { seen = shape; return nn.Sequential(nn.Linear(shape.InputSize, 64), nn.SiLU(), nn.LayerNorm(64), nn.Linear(64, shape.OutputSize)); },
            new TrainingOptions { Epochs = 30, LearningRate = 3e-3, Schedule = LearningRateSchedule.OneCycle },
            loss: (output, target) => (output.squeeze(-1) - target).abs());
        var model = estimator.Fit(train);

        Assert.AreEqual(new NetworkShape(5, 1), seen);
        double custom = ml.Regression.Evaluate(model.Transform(test)).MeanAbsoluteError;
        double linear = ml.Regression.Evaluate(ml.Regression.Trainers.Sdca().Fit(train).Transform(test)).MeanAbsoluteError;
        Assert.IsLessThan(0.5 * linear, custom, $"custom MAE {custom:F3} vs SDCA {linear:F3}");
        EstimatorConformance.Check(ml, estimator, model, train, test, "Score");
    }

    [TestMethod]
    public void CustomNetworkWithAnUnexportableLayerFailsAtFitNamingIt()
    {
        var ml = new MLContext(1);
        int epochs = 0;
        var estimator = ml.Deep().Regression.Custom(shape => nn.Sequential(nn.Linear(shape.InputSize, 4), nn.Softplus(), nn.Linear(4, 1)),
            new TrainingOptions { Epochs = 3, EpochEnded = _ => epochs++ });
        var error = Assert.ThrowsExactly<NotSupportedException>(() => estimator.Fit(SyntheticData.Regression(ml, 20, 1)));
        StringAssert.Contains(error.Message, "Softplus");
        Assert.AreEqual(0, epochs, "found before training, not after every epoch");
    }

    [TestMethod]
    public void CustomNetworkFactoryMustReturnANetworkOfTheTasksWidth()
    {
        var ml = new MLContext(1);
        var data = SyntheticData.Regression(ml, 20, 1);
        var none = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Deep().Regression.Custom(_ => null!, new TrainingOptions { Epochs = 1 }).Fit(data));
        StringAssert.Contains(none.Message, "returned null");

        // Three outputs for a regression would broadcast against the label and train on garbage.
        var wide = ml.Deep().Regression.Custom(shape => nn.Sequential(nn.Linear(shape.InputSize, 3)), new TrainingOptions { Epochs = 1 });
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => wide.Fit(data));
        StringAssert.Contains(error.Message, "1 value per row");
        StringAssert.Contains(error.Message, "NetworkShape.OutputSize");
    }

    [TestMethod]
    public void ConcurrentFitsWithTheSameSeedEqualASequentialFit()
    {
        // Dropout and weight initialisation both draw from libtorch's global generator: each fit must draw from its own.
        static float[] Fit()
        {
            var ml = new MLContext(seed: 7);
            var data = SyntheticData.Regression(ml, 200, 1);
            var model = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 3, DropoutRate = 0.3, BatchSize = 16 }).Fit(data);
            return ColumnValues.Read(model.Transform(data), "Score");
        }
        var sequential = Fit();
        for (int round = 0; round < 3; round++)
        {
            var parallel = Enumerable.Range(0, 4).Select(_ => Task.Run(Fit)).ToArray();
            Task.WaitAll(parallel);
            foreach (var task in parallel)
                CollectionAssert.AreEqual(sequential, task.Result, $"round {round}");
        }
    }
}
