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
    [DataRow(typeof(MlpOptions), new[] { "Epochs", "BatchSize", "LearningRate", "WeightDecay", "DropoutRate", "WeightAveragingHalfLife" })]
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
    }

    /// <summary>
    /// AutoML hands options through System.Text.Json (its Parameter.AsType serialises and deserialises): every options
    /// class must come back with every value, the non-tunable ones included.
    /// </summary>
    [TestMethod]
    [DataRow(typeof(BigModel.MLNet.Engine.TrainingOptions))]
    [DataRow(typeof(MlpOptions))]
    [DataRow(typeof(CnnOptions))]
    [DataRow(typeof(RecommenderOptions))]
    [DataRow(typeof(TextClassifierOptions))]
    public void OptionsSurviveAJsonRoundTrip(Type type)
    {
        var options = Activator.CreateInstance(type)!;
        int changed = 0;
        foreach (var property in type.GetProperties().Where(p => p.CanWrite && p.GetSetMethod() is not null))
        {
            object? value = Changed(property.PropertyType, property.GetValue(options));
            if (value is null)
                continue;
            property.SetValue(options, value);
            changed++;
        }
        Assert.IsGreaterThan(10, changed);
        string json = System.Text.Json.JsonSerializer.Serialize(options, type);
        var back = System.Text.Json.JsonSerializer.Deserialize(json, type)!;
        Assert.AreEqual(json, System.Text.Json.JsonSerializer.Serialize(back, type), "every value survives");
        StringAssert.Contains(json, "\"ValidationColumnName\":\"IsValidation\"", "strings travel too");
    }

    /// <summary>A value different from <paramref name="current"/> for each property type the options classes use.</summary>
    private static object? Changed(Type type, object? current) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) => (current as int? ?? 0) + 1,
        var t when t == typeof(double) => (current as double? ?? 0) + 0.25,
        var t when t == typeof(bool) => !(current as bool? ?? false),
        var t when t == typeof(string) => "IsValidation",
        var t when t.IsEnum => Enum.GetValues(t).Cast<object>().Last(),
        var t when t == typeof(int[]) => new[] { 7, 5 },
        var t when t == typeof(float[]) => new[] { 0.5f, 2f },
        var t when t == typeof(string[]) => new[] { "A", "B" },
        var t when t == typeof(BertConfig) => new BertConfig { HiddenSize = 64, Layers = 3 },
        _ => null,
    };
}
