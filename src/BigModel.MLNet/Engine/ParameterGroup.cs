using TorchSharp.Modules;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Parameters trained alike: a multiple of the learning rate, and a number of first epochs during which they are
/// frozen (no gradient is computed for them). Transfer learning puts a pretrained backbone in one group and the new
/// head in another.
/// </summary>
/// <param name="Parameters">The group's parameters.</param>
/// <param name="LearningRateScale">Multiplies the scheduled learning rate for this group.</param>
/// <param name="FrozenEpochs">Epochs at the start of training during which the group does not train.</param>
public sealed record ParameterGroup(IReadOnlyList<Parameter> Parameters, double LearningRateScale = 1, int FrozenEpochs = 0);
