using BigModel.MLNet.Export;
using BigModel.MLNet.Models.Cnn;
using Microsoft.ML;
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

    [TestMethod]
    public void TransferLearningTrainsANewHeadOnThePretrainedBackboneAndSaves()
    {
        var ml = new Microsoft.ML.MLContext(1);
        var random = new Random(1);
        var rows = Enumerable.Range(0, 8).Select(i => new Photo
        {
            Image = Enumerable.Range(0, 3 * 224 * 224).Select(_ => (float)(random.NextDouble() * 255)).ToArray(),
            Label = i % 2 == 0 ? "cat" : "dog",
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var estimator = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Deep().MulticlassClassification.Cnn(new CnnOptions
        {
            Architecture = CnnArchitecture.ResNet18, ImageChannels = 3, ImageHeight = 224, ImageWidth = 224,
            ChannelMean = [103.06f, 115.90f, 123.15f], ChannelStd = [1f, 1f, 1f],
            PretrainedModelPath = ImageNetModel, FreezeBackboneEpochs = 1, Epochs = 1, BatchSize = 4,
        }));
        var model = estimator.Fit(data);
        Assert.AreEqual(1, model.LastTransformer.History.Epochs.Count);
        Fixtures.EstimatorConformance.Check(ml, estimator, model, data, data, "Score", "PredictedLabel");
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
