using BigModel.MLNet.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Cnn;

/// <summary>
/// Initialises <see cref="ResNet18"/>'s backbone from an ImageNet ResNet-18 in ONNX form — such as the
/// <c>ResNet18.onnx</c> that the NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> ships — by reading its
/// initializers and matching its convolution → batch-norm pairs to ours by graph structure and shape.
/// </summary>
/// <remarks>
/// Graphs list a block's shortcut (1×1 convolution) before or after its main path depending on the exporter, so 1×1
/// and larger convolutions are matched as two separate sequences, each in graph order. A batch norm whose epsilon
/// differs from ours gets the difference folded into its running variance, which computes the same function.
/// </remarks>
internal static class PretrainedResNet18
{
    private sealed record Pair(float[] Weight, long[] WeightShape, float[][] Norm, float Epsilon);

    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not an ONNX ResNet-18 whose layers fit (the message names the file and layer).</exception>
    public static void LoadInto(ResNet18 network, string onnxPath)
    {
        var model = OnnxModelReader.Read(onnxPath);
        var pairs = ReadPairs(model, onnxPath);
        var ours = network.BackboneLayers.Chunk(2).Select(p => ((Conv2d)p[0], (BatchNorm2d)p[1])).ToList();
        if (!network.StandardStem)
            throw new InvalidDataException("Pretrained ImageNet weights need the standard 224-pixel stem (ResNetStem.Standard, or images of 128 pixels and more).");

        var theirs = (Small: pairs.Where(p => p.WeightShape[^1] == 1).ToList(), Large: pairs.Where(p => p.WeightShape[^1] != 1).ToList());
        var mine = (Small: ours.Where(p => p.Item1.kernel_size[^1] == 1).ToList(), Large: ours.Where(p => p.Item1.kernel_size[^1] != 1).ToList());
        if (theirs.Small.Count != mine.Small.Count || theirs.Large.Count != mine.Large.Count)
            throw new InvalidDataException(
                $"'{onnxPath}' has {theirs.Large.Count} + {theirs.Small.Count} convolutions with batch norm; ResNet-18 has {mine.Large.Count} + {mine.Small.Count}.");

        using var _ = no_grad();
        foreach (var ((conv, norm), pair) in mine.Large.Zip(theirs.Large).Concat(mine.Small.Zip(theirs.Small)))
        {
            if (!conv.weight!.shape.SequenceEqual(pair.WeightShape))
                throw new InvalidDataException(
                    $"'{onnxPath}': a convolution has shape [{string.Join("×", pair.WeightShape)}] where ResNet-18 has [{string.Join("×", conv.weight.shape)}].");
            Copy(conv.weight, pair.Weight);
            Copy(norm.weight!, pair.Norm[0]);
            Copy(norm.bias!, pair.Norm[1]);
            Copy(norm.running_mean!, pair.Norm[2]);
            float shift = pair.Epsilon - (float)norm.eps;
            Copy(norm.running_var!, pair.Norm[3].Select(v => v + shift).ToArray());
        }
    }

    /// <summary>
    /// Residual blocks per stage in the file: each stage's 3×3 convolutions (two per block) are those producing its width
    /// (64, 128, 256, 512).
    /// </summary>
    public static int[] StageBlocks(string onnxPath)
    {
        var model = OnnxModelReader.Read(onnxPath);
        var widths = model.Nodes.Where(n => n.OpType == "Conv" && model.Initializers.TryGetValue(n.Inputs[1], out var w) && w.Dims[^1] == 3)
            .Select(n => model.Initializers[n.Inputs[1]].Dims[0]).ToList();
        return new long[] { 64, 128, 256, 512 }.Select(width => widths.Count(w => w == width) / 2).ToArray();
    }

    private static List<Pair> ReadPairs(OnnxModelReader model, string path)
    {
        var normByInput = model.Nodes.Where(n => n.OpType == "BatchNormalization").ToDictionary(n => n.Inputs[0]);
        var pairs = new List<Pair>();
        foreach (var conv in model.Nodes.Where(n => n.OpType == "Conv"))
        {
            if (!model.Initializers.TryGetValue(conv.Inputs[1], out var weight) || !normByInput.TryGetValue(conv.Outputs[0], out var norm))
                throw new InvalidDataException($"'{path}': convolution '{conv.Outputs[0]}' is not followed by a batch norm with stored weights.");
            var values = norm.Inputs.Skip(1).Select(name => model.Initializers.TryGetValue(name, out var v)
                ? v.Values : throw new InvalidDataException($"'{path}': batch-norm input '{name}' is not stored in the model.")).ToArray();
            float epsilon = norm.Attributes.FirstOrDefault(a => a.Name == "epsilon")?.Float ?? 1e-5f;
            pairs.Add(new Pair(weight.Values, weight.Dims, values, epsilon));
        }
        return pairs;
    }

    private static void Copy(Tensor target, float[] values)
    {
        if (target.numel() != values.Length)
            throw new InvalidDataException($"A layer holds {target.numel()} values but the file gives {values.Length}.");
        using var source = tensor(values, target.shape);
        target.copy_(source);
    }
}
