using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Native;
using BigModel.MLNet.Tests.Fixtures;
using BigModel.MLNet.Tests.Models;
using Microsoft.ML;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Engine;

[TestClass]
public class MixedPrecisionTests
{
    [TestMethod]
    public void AutocastRunsLinearLayersInBFloat16OnThisThreadOnlyWithFloat32Gradients()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var x = randn(4, 8);
        var weight = randn(3, 8).requires_grad_();
        Assert.AreEqual(ScalarType.Float32, nn.functional.linear(x, weight).dtype, "before");
        Tensor product;
        ScalarType onOtherThread = ScalarType.Int8;
        using (Autocast.BFloat16(CPU))
        {
            product = nn.functional.linear(x, weight);
            var other = new Thread(() => onOtherThread = nn.functional.linear(x, weight).dtype); // not Task.Run: Result may run it inline
            other.Start();
            other.Join();
        }
        Assert.AreEqual(ScalarType.BFloat16, product.dtype, "a linear layer inside the scope");
        Assert.AreEqual(ScalarType.Float32, onOtherThread, "autocast is per thread");
        Assert.AreEqual(ScalarType.Float32, nn.functional.linear(x, weight).dtype, "after the scope");

        product.to_type(ScalarType.Float32).sum().backward();
        Assert.AreEqual(ScalarType.Float32, weight.grad!.dtype, "gradients reach the float32 weights");
        Assert.IsTrue(weight.grad.abs().sum().item<float>() > 0);
    }

    [TestMethod]
    public void BFloat16MlpLearnsLikeFloat32AndSavesAFloat32Model()
    {
        var ml = new MLContext(1);
        var train = SyntheticData.Regression(ml, 2000, 1);
        var test = SyntheticData.Regression(ml, 500, 2);
        MlpOptions Options(TrainingPrecision precision) => new() { Epochs = 15, HiddenLayers = [128, 64], Precision = precision };
        double Rmse(ITransformer model) => ml.Regression.Evaluate(model.Transform(test)).RootMeanSquaredError;

        var full = ml.Deep().Regression.Mlp(Options(TrainingPrecision.Float32)).Fit(train);
        var estimator = ml.Deep().Regression.Mlp(Options(TrainingPrecision.BFloat16));
        var mixed = estimator.Fit(train);
        var labels = ColumnValues.Read(test, "Label");
        double mean = labels.Average(), baseline = Math.Sqrt(labels.Average(l => (l - mean) * (l - mean)));

        Assert.IsLessThan(0.5 * baseline, Rmse(mixed), $"bfloat16 RMSE {Rmse(mixed):G4} against {baseline:G4} for the mean");
        Assert.AreEqual(Rmse(full), Rmse(mixed), 0.25 * Rmse(full), "about as accurate as float32");
        Assert.AreNotEqual(mixed.History.Epochs[^1].TrainingLoss, full.History.Epochs[^1].TrainingLoss, "the steps did run in bfloat16");
        EstimatorConformance.Check(ml, estimator, mixed, train, test, "Score"); // saved: float32 ONNX, same scores
    }

    [TestMethod]
    public void BFloat16TrainsTheTextEncoderAndTheCnn()
    {
        var ml = new MLContext(1);
        var options = TextClassifierTests.TinyOptions(epochs: 6);
        options.Precision = TrainingPrecision.BFloat16;
        var text = ml.Deep().BinaryClassification.TextClassifier(options).Fit(SyntheticText.Load(ml, 600, 1));
        double accuracy = ml.BinaryClassification.Evaluate(text.Transform(SyntheticText.Load(ml, 200, 2))).Accuracy;
        Assert.IsGreaterThan(0.9, accuracy, $"text accuracy {accuracy:F3} (chance 0.5)");

        var raw = SyntheticImages.Load(ml, 200, 1);
        var images = ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);
        var cnn = ml.Deep().MulticlassClassification.Cnn(new CnnOptions
        {
            ImageHeight = SyntheticImages.Size, ImageWidth = SyntheticImages.Size, Epochs = 3, Precision = TrainingPrecision.BFloat16,
        }).Fit(images);
        Assert.IsTrue(cnn.History.Epochs.All(e => double.IsFinite(e.TrainingLoss)));
        Assert.IsLessThan(cnn.History.Epochs[0].TrainingLoss, cnn.History.Epochs[^1].TrainingLoss, "the CNN learns");
    }
}
