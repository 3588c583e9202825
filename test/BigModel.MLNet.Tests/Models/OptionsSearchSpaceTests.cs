using System.Reflection;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Models.Recommender;
using BigModel.MLNet.Models.Text;
using BigModel.MLNet.Transforms.Images;
using Microsoft.ML.SearchSpace;

namespace BigModel.MLNet.Tests.Models;

[TestClass]
public class OptionsSearchSpaceTests
{
    [TestMethod]
    [DataRow(typeof(MlpOptions), new[] { "Epochs", "BatchSize", "LearningRate", "WeightDecay", "DropoutRate" })]
    [DataRow(typeof(CnnOptions), new[] { "Epochs", "LearningRate", "ProbeEpochs", "BackboneLearningRateScale" })]
    [DataRow(typeof(RecommenderOptions), new[] { "Epochs", "LearningRate" })]
    [DataRow(typeof(TextClassifierOptions), new[] { "Epochs", "BatchSize", "LearningRate", "WeightDecay", "MaxLength", "Dropout", "FrozenLayers" })]
    [DataRow(typeof(ImageAugmentationOptions), new[] { "RandomRotationDegrees", "RandomCropPadding", "RandomErasingProbability" })]
    public void SearchSpaceStartsAtTheDefaultsAndCoversThem(Type options, string[] expected)
    {
        var defaults = Activator.CreateInstance(options)!;
        var tunable = options.GetProperties().Where(p => p.GetCustomAttribute<RangeAttribute>() is not null).ToList();
        CollectionAssert.IsSubsetOf(expected, tunable.Select(p => p.Name).ToList());
        foreach (var property in tunable)
        {
            var range = property.GetCustomAttribute<RangeAttribute>()!;
            double value = Convert.ToDouble(property.GetValue(defaults));
            Assert.AreEqual(Convert.ToDouble(range.Init), value, 1e-12, $"{options.Name}.{property.Name}: the search starts at the default");
            Assert.IsTrue(value >= Convert.ToDouble(range.Min) && value <= Convert.ToDouble(range.Max), $"{options.Name}.{property.Name} default lies in its range");
        }
        Assert.IsNotNull(typeof(MlpOptions).GetProperty(nameof(MlpOptions.UseBatchNorm))!.GetCustomAttribute<BooleanChoiceAttribute>());
    }
}
