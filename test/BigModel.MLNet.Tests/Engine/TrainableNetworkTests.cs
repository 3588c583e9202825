using BigModel.MLNet.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Engine;

[TestClass]
public class TrainableNetworkTests
{
    [TestMethod]
    public void GroupsAreGatheredFromTheModuleAfterAMove()
    {
        // A move to another device replaces each parameter with a new one and disposes the old (what broke text
        // classifiers on CUDA). "meta" is a device that every libtorch build has, so the move is real without a GPU.
        var first = nn.Linear(2, 4);
        var second = nn.Linear(4, 1);
        var module = nn.Sequential(first, nn.Tanh(), second);
        var network = new TrainableNetwork(module, inputs => module.call(inputs[0]), Groups: () =>
        [
            new ParameterGroup(first.parameters().ToList(), LearningRateScale: 0.1, FrozenEpochs: 2),
            new ParameterGroup(second.parameters().ToList()),
        ]);
        var before = network.ParameterGroups().SelectMany(g => g.Parameters).ToList();

        module.to(new Device(DeviceType.META));
        var groups = network.ParameterGroups();

        var owned = module.parameters().ToList();
        Assert.IsFalse(owned.Any(p => before.Any(b => ReferenceEquals(b, p))), "the move replaced every parameter");
        var moved = groups.SelectMany(g => g.Parameters).ToList();
        Assert.HasCount(owned.Count, moved);
        Assert.IsTrue(owned.Zip(moved).All(p => ReferenceEquals(p.First, p.Second)), "the groups hold the module's parameters after the move");
        Assert.IsTrue(moved.All(p => p.device_type == DeviceType.META));
        Assert.AreEqual((0.1, 2), (groups[0].LearningRateScale, groups[0].FrozenEpochs));
    }
}
