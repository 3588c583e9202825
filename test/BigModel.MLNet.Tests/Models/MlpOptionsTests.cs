using System.Reflection;
using BigModel.MLNet.Models.Mlp;
using Microsoft.ML.SearchSpace;

namespace BigModel.MLNet.Tests.Models;

[TestClass]
public class MlpOptionsTests
{
    [TestMethod]
    public void SearchSpaceStartsAtTheDefaultsAndCoversThem()
    {
        var defaults = new MlpOptions();
        var tunable = typeof(MlpOptions).GetProperties().Where(p => p.GetCustomAttribute<RangeAttribute>() is not null).ToList();
        CollectionAssert.IsSubsetOf(new[] { "Epochs", "BatchSize", "LearningRate", "WeightDecay", "DropoutRate" }, tunable.Select(p => p.Name).ToList());
        foreach (var property in tunable)
        {
            var range = property.GetCustomAttribute<RangeAttribute>()!;
            double value = Convert.ToDouble(property.GetValue(defaults));
            Assert.AreEqual(Convert.ToDouble(range.Init), value, 1e-12, $"{property.Name}: the search starts at the default");
            Assert.IsTrue(value >= Convert.ToDouble(range.Min) && value <= Convert.ToDouble(range.Max), $"{property.Name} default lies in its range");
        }
        Assert.IsNotNull(typeof(MlpOptions).GetProperty(nameof(MlpOptions.UseBatchNorm))!.GetCustomAttribute<BooleanChoiceAttribute>());
    }
}
