using BigModel.MLNet.Export;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Models;

[TestClass]
public class PretrainedResNet18Tests
{
    /// <summary>ResNet18.onnx from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18, copied to the output by its build props.</summary>
    private static readonly string ImageNetModel = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    private static CnnOptions ImageNetShape() => new()
    {
        Architecture = CnnArchitecture.ResNet18, ResNetStem = ResNetStem.Standard, ImageChannels = 3, ImageHeight = 224, ImageWidth = 224,
    };

    [TestMethod]
    public void ImportedBackboneComputesTheSameFeaturesAsOnnxRuntime()
    {
        using var network = new ResNet18(ImageNetShape(), outputs: 5, PretrainedResNet18.StageBlocks(ImageNetModel));
        PretrainedResNet18.LoadInto(network, ImageNetModel);
        network.eval();

        manual_seed(3);
        using var input = rand(2, 3 * 224 * 224) * 2 - 1;
        using var ours = network.Features(input);

        using var session = new InferenceSession(ImageNetModel);
        string inputName = session.InputMetadata.Keys.Single();
        int[] dims = session.InputMetadata[inputName].Dimensions;
        float[] pixels = LayerExporter.ToArray(input);
        var expected = new List<float>();
        for (int row = 0; row < 2; row++)
        {
            var image = new DenseTensor<float>(pixels.AsMemory(row * 3 * 224 * 224, 3 * 224 * 224), dims.Length == 4 ? [1, 3, 224, 224] : [3, 224, 224]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, image)]);
            expected.AddRange(results.Single().AsEnumerable<float>());
        }
        CollectionAssert.That.AreClose(expected, LayerExporter.ToArray(ours), 1e-4f);
    }

    private static IDataView RandomPhotos(MLContext ml, int count, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, count).Select(i => new Photo
        {
            Image = Enumerable.Range(0, 3 * 224 * 224).Select(_ => (float)(random.NextDouble() * 255)).ToArray(),
            Label = i % 2 == 0 ? "cat" : "dog",
        }).ToList();
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
    }

    private static CnnOptions Transfer(int epochs) => new()
    {
        Architecture = CnnArchitecture.ResNet18, ImageChannels = 3, ImageHeight = 224, ImageWidth = 224,
        ChannelMean = [103.06f, 115.90f, 123.15f], ChannelStd = [1f, 1f, 1f],
        PretrainedModelPath = ImageNetModel, ProbeEpochs = 2, Epochs = epochs, BatchSize = 4,
    };

    [TestMethod]
    public void TransferLearningProbesThenFineTunesAndSaves()
    {
        var ml = new MLContext(1);
        var data = RandomPhotos(ml, 8, 1);
        var reports = new ProgressReports();
        var options = Transfer(epochs: 1);
        options.Progress = reports;
        var estimator = ml.Deep().MulticlassClassification.Cnn(options);
        var model = estimator.Fit(data);
        string[] stages = ["probe", "probe", "fine-tune"];
        CollectionAssert.AreEqual(stages, model.History.Epochs.Select(e => e.Stage).ToArray());
        CollectionAssert.AreEqual(stages, reports.Where(r => r.Batch == r.BatchesPerEpoch).Select(r => r.Stage).ToArray(), "progress names each stage");
        Fixtures.EstimatorConformance.Check(ml, estimator, model, data, data, "Score", "PredictedLabel");
    }

    [TestMethod]
    public void TheProbeIsKeptWhenFineTuningValidatesWorse()
    {
        // A learning rate no backbone survives: fine-tuning must validate worse, and the model must be the probe's —
        // exactly what a probe-only run (backbone rate 0) with the same seed gives.
        var data = new MLContext(1);
        var train = RandomPhotos(data, 8, 1);
        var validation = RandomPhotos(data, 6, 2);
        var reckless = Transfer(epochs: 2);
        reckless.LearningRate = 5;
        reckless.BackboneLearningRateScale = 1;
        reckless.FreezeBatchNormStatistics = false; // batch statistics keep the wrecked network's outputs finite
        var model = new MLContext(1).Deep().MulticlassClassification.Cnn(reckless).Fit(train, validation);
        var best = model.History.Epochs[model.History.BestEpoch!.Value - 1];
        Assert.AreEqual("probe", best.Stage, "the best epoch is the probe's");

        var probeOnly = Transfer(epochs: 2);
        probeOnly.LearningRate = 5;
        probeOnly.BackboneLearningRateScale = 0;
        probeOnly.FreezeBatchNormStatistics = false;
        var probe = new MLContext(1).Deep().MulticlassClassification.Cnn(probeOnly).Fit(train, validation);
        CollectionAssert.That.AreClose(Fixtures.ColumnValues.Read(probe.Transform(validation), "Score"),
            Fixtures.ColumnValues.Read(model.Transform(validation), "Score"), 1e-6f);
    }

    public sealed class Photo
    {
        [Microsoft.ML.Data.VectorType(3 * 224 * 224)] public float[] Image { get; set; } = [];
        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void WrongFilesGiveClearErrors()
    {
        using var network = new ResNet18(ImageNetShape(), outputs: 5);
        StringAssert.Contains(Assert.ThrowsExactly<FileNotFoundException>(() => PretrainedResNet18.LoadInto(network, "missing.onnx")).Message, "missing.onnx");

        string corrupt = Path.GetTempFileName();
        File.WriteAllBytes(corrupt, [0xff, 0xff, 0xff, 0xff, 0x0f]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => PretrainedResNet18.LoadInto(network, corrupt)).Message, corrupt);
        File.Delete(corrupt);

        var small = ImageNetShape();
        small.ImageHeight = small.ImageWidth = 32;
        small.ResNetStem = ResNetStem.SmallImage;
        using var smallStem = new ResNet18(small, outputs: 5);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => PretrainedResNet18.LoadInto(smallStem, ImageNetModel)).Message, "standard");
    }
}
