using BigModel.MLNet.Engine;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Mlp;

/// <summary>Builds the MLP preset: [linear → (batch norm) → activation → (dropout)] per hidden layer, then a linear output.</summary>
public static class MlpNetwork
{
    /// <summary>
    /// Creates the network for <paramref name="shape"/> under <paramref name="options"/>. The shape names no task, so
    /// <see cref="MlpOptions.UseBatchNorm"/> left null means none here.
    /// </summary>
    public static Sequential Create(NetworkShape shape, MlpOptions options) => Create(shape, options, options.UseBatchNorm == true);

    /// <summary>Creates the network for <paramref name="shape"/> under <paramref name="options"/>, with batch
    /// normalisation when <paramref name="batchNorm"/>.</summary>
    internal static Sequential Create(NetworkShape shape, MlpOptions options, bool batchNorm)
    {
        var layers = HiddenLayers(shape.InputSize, options, batchNorm, out int width);
        layers.Add(("output", nn.Linear(width, shape.OutputSize)));
        return nn.Sequential(layers);
    }

    /// <summary>The hidden layers alone, for <paramref name="inputWidth"/> inputs; <paramref name="width"/> is what the
    /// last one outputs (the input width when there are none).</summary>
    internal static List<(string, nn.Module<Tensor, Tensor>)> HiddenLayers(int inputWidth, MlpOptions options, bool batchNorm, out int width)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        width = inputWidth;
        for (int i = 0; i < options.HiddenLayers.Length; i++)
        {
            int units = options.HiddenLayers[i];
            layers.Add(($"linear{i}", nn.Linear(width, units)));
            if (batchNorm)
                layers.Add(($"norm{i}", nn.BatchNorm1d(units)));
            layers.Add(($"activation{i}", Activation(options.Activation)));
            if (options.DropoutRate > 0)
                layers.Add(($"dropout{i}", nn.Dropout(options.DropoutRate)));
            width = units;
        }
        return layers;
    }

    private static nn.Module<Tensor, Tensor> Activation(MlpActivation activation) => activation switch
    {
        MlpActivation.ReLU => nn.ReLU(),
        MlpActivation.GELU => nn.GELU(),
        MlpActivation.SiLU => nn.SiLU(),
        MlpActivation.Tanh => nn.Tanh(),
        MlpActivation.LeakyReLU => nn.LeakyReLU(0.01),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}
