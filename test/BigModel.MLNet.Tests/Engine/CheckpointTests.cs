using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Engine;

[TestClass]
public class CheckpointTests
{
    private static MlpOptions Options(string folder, int epochs, double? averagingHalfLife = null) => new()
    {
        Epochs = epochs, DropoutRate = 0.2, Schedule = LearningRateSchedule.OneCycle, ValidationFraction = 0.2,
        EarlyStoppingPatience = 10, CheckpointFolder = folder, CheckpointEveryEpochs = 3, LearningRate = 3e-3,
        WeightAveragingHalfLife = averagingHalfLife,
    };

    private static float[] Scores(ITransformer model, IDataView data) => ColumnValues.Read(model.Transform(data), "Score");

    [TestMethod]
    [DataRow(null)]
    [DataRow(1.0)]
    public void ACancelledFitResumesToTheWeightsOfAnUninterruptedRun(double? averagingHalfLife)
    {
        string folder = Directory.CreateTempSubdirectory("checkpoints").FullName;
        try
        {
            var data = SyntheticData.Regression(new MLContext(1), 300, 1);
            var whole = new MLContext(1).Deep().Regression.Mlp(Options(Path.Combine(folder, "whole"), 6, averagingHalfLife)).Fit(data);

            // Cancelled during epoch 4: the checkpoint after epoch 3 survives.
            var cancelled = new MLContext(1);
            var catalog = cancelled.Deep();
            var interrupted = Options(Path.Combine(folder, "interrupted"), 6, averagingHalfLife);
            interrupted.EpochEnded = e => { if (e.Epoch == 3) catalog.CancelExecution(); };
            Assert.ThrowsExactly<OperationCanceledException>(() => catalog.Regression.Mlp(interrupted).Fit(data));
            Assert.AreEqual(Checkpoint.FileName(3), Path.GetFileName(Checkpoint.Latest(interrupted.CheckpointFolder!)));

            var resume = Options(Path.Combine(folder, "resumed"), 6, averagingHalfLife);
            resume.ResumeFrom = interrupted.CheckpointFolder;
            var resumed = new MLContext(1).Deep().Regression.Mlp(resume).Fit(data);
            CollectionAssert.AreEqual(Scores(whole, data), Scores(resumed, data), "same weights as the uninterrupted run");
            CollectionAssert.AreEqual(whole.History.Epochs.Select(e => e.TrainingLoss).ToList(), resumed.History.Epochs.Select(e => e.TrainingLoss).ToList(),
                "the history continues, the first three epochs included");
            Assert.AreEqual(whole.History.BestEpoch, resumed.History.BestEpoch);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [TestMethod]
    public void WarmStartBeginsWhereTheCheckpointedRunEnded()
    {
        string folder = Directory.CreateTempSubdirectory("warm").FullName;
        try
        {
            var ml = new MLContext(1);
            var data = SyntheticData.Regression(ml, 400, 1);
            var first = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 15, LearningRate = 3e-3, CheckpointFolder = folder }).Fit(data);
            var warm = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1, LearningRate = 1e-4, WarmStartFrom = folder }).Fit(data);
            var cold = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1, LearningRate = 1e-4 }).Fit(data);
            double last = first.History.Epochs[^1].TrainingLoss;
            Assert.AreEqual(last, warm.History.Epochs[0].TrainingLoss, 0.5 * last, "continues near the trained loss");
            Assert.IsGreaterThan(3 * last, cold.History.Epochs[0].TrainingLoss, "a fresh network starts far above it");
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [TestMethod]
    public void DamagedOrForeignCheckpointsAreRefusedByName()
    {
        string folder = Directory.CreateTempSubdirectory("bad-checkpoints").FullName;
        try
        {
            var ml = new MLContext(1);
            var data = SyntheticData.Regression(ml, 100, 1);
            ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1, CheckpointFolder = folder }).Fit(data);
            string path = Checkpoint.Latest(folder)!;

            var other = new MlpOptions { Epochs = 2, HiddenLayers = [32], ResumeFrom = path };
            var foreign = Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().Regression.Mlp(other).Fit(data));
            StringAssert.Contains(foreign.Message, path);
            StringAssert.Contains(foreign.Message, "another network");

            byte[] bytes = File.ReadAllBytes(path);
            bytes[^5] ^= 0x40;
            File.WriteAllBytes(path, bytes);
            var damaged = Assert.ThrowsExactly<InvalidDataException>(() => ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 2, ResumeFrom = path }).Fit(data));
            StringAssert.Contains(damaged.Message, path);
            StringAssert.Contains(damaged.Message, "checksum");

            Assert.ThrowsExactly<FileNotFoundException>(() => ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 2, ResumeFrom = Path.Combine(folder, "none") }).Fit(data));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
