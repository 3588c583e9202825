using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Export;

/// <summary>
/// Translates TorchSharp layers into ONNX nodes, for inference (dropout is the identity and batch
/// normalisation uses its running statistics).
/// </summary>
/// <remarks>
/// Supported: <c>Sequential</c>, <c>Linear</c>, <c>ReLU</c>, <c>LeakyReLU</c>, <c>GELU</c>, <c>SiLU</c>,
/// <c>ELU</c>, <c>Tanh</c>, <c>Sigmoid</c>, <c>Softmax</c>, <c>Dropout</c>, <c>Identity</c>, <c>Flatten</c>,
/// <c>BatchNorm1d</c>/<c>2d</c>, <c>LayerNorm</c>, <c>Conv2d</c> (explicit zero padding), <c>MaxPool2d</c>,
/// <c>AvgPool2d</c>, <c>AdaptiveAvgPool2d</c> to 1×1, and any module implementing <see cref="IOnnxExportable"/>.
/// </remarks>
public static class LayerExporter
{
    /// <summary>Appends <paramref name="module"/>'s computation on <paramref name="input"/> and returns the output's name.</summary>
    /// <exception cref="NotSupportedException">The module (or one inside it) has no ONNX translation.</exception>
    public static string Export(OnnxGraph graph, nn.Module module, string input)
    {
        string Recurse(nn.Module child, string value) => Export(graph, child, value);
        return module switch
        {
            IOnnxExportable custom => custom.ExportOnnx(graph, input, Recurse),
            Sequential sequential => sequential.children().Aggregate(input, (value, child) => Recurse(child, value)),
            Linear linear => ExportLinear(graph, linear, input),
            ReLU => graph.AddNode("Relu", [input]),
            LeakyReLU leaky => graph.AddNode("LeakyRelu", [input], null, OnnxAttribute.Of("alpha", (float)leaky.negative_slope)),
            ELU elu => graph.AddNode("Elu", [input], null, OnnxAttribute.Of("alpha", (float)elu.alpha)),
            Tanh => graph.AddNode("Tanh", [input]),
            Sigmoid => graph.AddNode("Sigmoid", [input]),
            SiLU => graph.AddNode("Mul", [input, graph.AddNode("Sigmoid", [input])]),
            GELU gelu => ExportGelu(graph, gelu, input),
            Softmax softmax => graph.AddNode("Softmax", [input], null, OnnxAttribute.Of("axis", (long)softmax.dim)),
            Dropout or Identity => input,
            Flatten flatten => ExportFlatten(graph, flatten, input),
            BatchNorm norm => ExportBatchNorm(graph, norm, input),
            Conv2d conv => ExportConv(graph, conv, input),
            MaxPool2d pool => ExportMaxPool(graph, pool, input),
            AvgPool2d pool => ExportAveragePool(graph, pool, input),
            AdaptiveAvgPool2d pool => ExportAdaptiveAveragePool(graph, pool, input),
            LayerNorm norm => ExportLayerNorm(graph, norm, input),
            _ => throw new NotSupportedException(
                $"Layer '{module.GetName()}' of type {module.GetType().Name} has no ONNX export. Build the network from " +
                $"supported layers ({nameof(LayerExporter)} lists them) or implement {nameof(IOnnxExportable)} on it."),
        };
    }

    /// <summary>Copies a parameter or buffer to a float array (on the CPU).</summary>
    public static float[] ToArray(Tensor tensor)
    {
        using var scope = NewDisposeScope(); // keeps the temporaries alive until the copy is done
        return tensor.detach().cpu().contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
    }

    private static string ExportLinear(OnnxGraph graph, Linear linear, string input)
    {
        // Stored transposed ([in, out]) so that MatMul works for inputs of any rank.
        using var transposed = linear.weight!.detach().t();
        string weight = graph.AddInitializer("linear_weight", ToArray(transposed), linear.in_features, linear.out_features);
        string product = graph.AddNode("MatMul", [input, weight]);
        if (linear.bias is null)
            return product;
        string bias = graph.AddInitializer("linear_bias", ToArray(linear.bias), linear.out_features);
        return graph.AddNode("Add", [product, bias]);
    }

    private static string ExportGelu(OnnxGraph graph, GELU gelu, string input)
    {
        if (gelu.approximate != GELU.Approximate.none)
            throw new NotSupportedException("Only the exact (erf) GELU is exported to ONNX.");
        // gelu(x) = 0.5 · x · (1 + erf(x / √2)); opset 17 has no Gelu operator.
        string scaled = graph.AddNode("Div", [input, graph.AddInitializer("sqrt2", [MathF.Sqrt(2f)])]);
        string shifted = graph.AddNode("Add", [graph.AddNode("Erf", [scaled]), graph.AddInitializer("one", [1f])]);
        string half = graph.AddNode("Mul", [input, graph.AddInitializer("half", [0.5f])]);
        return graph.AddNode("Mul", [half, shifted]);
    }

    private static string ExportFlatten(OnnxGraph graph, Flatten flatten, string input)
    {
        if (flatten.start_dim != 1 || flatten.end_dim != -1)
            throw new NotSupportedException("Only Flatten(start_dim: 1, end_dim: -1) is exported to ONNX.");
        return graph.AddNode("Flatten", [input], null, OnnxAttribute.Of("axis", 1L));
    }

    private static string ExportBatchNorm(OnnxGraph graph, BatchNorm norm, string input)
    {
        long channels = norm.num_features;
        float[] ones = Enumerable.Repeat(1f, (int)channels).ToArray();
        string scale = graph.AddInitializer("bn_scale", norm.weight is null ? ones : ToArray(norm.weight), channels);
        string bias = graph.AddInitializer("bn_bias", norm.bias is null ? new float[channels] : ToArray(norm.bias), channels);
        string mean = graph.AddInitializer("bn_mean", ToArray(norm.running_mean!), channels);
        string variance = graph.AddInitializer("bn_var", ToArray(norm.running_var!), channels);
        return graph.AddNode("BatchNormalization", [input, scale, bias, mean, variance], null,
            OnnxAttribute.Of("epsilon", (float)norm.eps));
    }

    private static string ExportConv(OnnxGraph graph, Conv2d conv, string input)
    {
        if (conv.padding_type is not null || conv.padding_mode != PaddingModes.Zeros || conv.transposed)
            throw new NotSupportedException($"Conv2d '{conv.GetName()}': only explicit zero padding exports to ONNX.");
        string weight = graph.AddInitializer("conv_weight", ToArray(conv.weight!), conv.weight!.shape);
        string[] inputs = conv.bias is null
            ? [input, weight]
            : [input, weight, graph.AddInitializer("conv_bias", ToArray(conv.bias), conv.out_channels)];
        return graph.AddNode("Conv", inputs, null,
            OnnxAttribute.Of("kernel_shape", conv.kernel_size),
            OnnxAttribute.Of("strides", conv.stride),
            OnnxAttribute.Of("pads", Pads(conv.padding ?? [0, 0])),
            OnnxAttribute.Of("dilations", conv.dilation),
            OnnxAttribute.Of("group", conv.groups));
    }

    private static string ExportMaxPool(OnnxGraph graph, MaxPool2d pool, string input) =>
        graph.AddNode("MaxPool", [input], null,
            OnnxAttribute.Of("kernel_shape", pool.kernel_size),
            OnnxAttribute.Of("strides", pool.stride is { Length: > 0 } stride ? stride : pool.kernel_size),
            OnnxAttribute.Of("pads", Pads(pool.padding ?? [0, 0])),
            OnnxAttribute.Of("dilations", pool.dilation is { Length: > 0 } dilation ? dilation : [1L, 1L]),
            OnnxAttribute.Of("ceil_mode", pool.ceil_mode ? 1L : 0L));

    private static string ExportAveragePool(OnnxGraph graph, AvgPool2d pool, string input)
    {
        if (pool.divisor_override is not null)
            throw new NotSupportedException("AvgPool2d with divisor_override has no ONNX export.");
        return graph.AddNode("AveragePool", [input], null,
            OnnxAttribute.Of("kernel_shape", pool.kernel_size),
            OnnxAttribute.Of("strides", pool.stride is { Length: > 0 } stride ? stride : pool.kernel_size),
            OnnxAttribute.Of("pads", Pads(pool.padding ?? [0, 0])),
            OnnxAttribute.Of("ceil_mode", pool.ceil_mode ? 1L : 0L),
            OnnxAttribute.Of("count_include_pad", pool.count_include_pad ? 1L : 0L));
    }

    private static string ExportAdaptiveAveragePool(OnnxGraph graph, AdaptiveAvgPool2d pool, string input)
    {
        if (pool.output_size.Any(size => size != 1))
            throw new NotSupportedException("Only AdaptiveAvgPool2d to 1×1 (global average pooling) exports to ONNX.");
        return graph.AddNode("GlobalAveragePool", [input]);
    }

    /// <summary>PyTorch's symmetric [height, width] padding as ONNX's [top, left, bottom, right].</summary>
    private static long[] Pads(long[] padding) => padding.Length == 1 ? [padding[0], padding[0], padding[0], padding[0]] : [.. padding, .. padding];

    private static string ExportLayerNorm(OnnxGraph graph, LayerNorm norm, string input)
    {
        long[] shape = norm.normalized_shape;
        int count = (int)shape.Aggregate(1L, (a, b) => a * b);
        string scale = graph.AddInitializer("ln_scale", norm.weight is null ? Enumerable.Repeat(1f, count).ToArray() : ToArray(norm.weight), shape);
        string bias = graph.AddInitializer("ln_bias", norm.bias is null ? new float[count] : ToArray(norm.bias), shape);
        return graph.AddNode("LayerNormalization", [input, scale, bias], null,
            OnnxAttribute.Of("axis", (long)-shape.Length), OnnxAttribute.Of("epsilon", (float)norm.eps));
    }
}
