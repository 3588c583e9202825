namespace BigModel.MLNet.Export;

/// <summary>What <see cref="Int8Quantization"/> rewrites.</summary>
/// <param name="Embeddings">Also store embedding tables (Gather over a constant table) as int8 rows with a scale each.</param>
/// <param name="MinimumWeights">Leave smaller weight matrices in float: below this size, quantising the input each call
/// costs more than the smaller product saves (an MLP's output layer, a classification head).</param>
public sealed record Int8QuantizationOptions(bool Embeddings = true, int MinimumWeights = 16_384);

/// <summary>
/// Dynamic int8 quantisation of an exported model, written as standard ONNX (opset 17) in the form ONNX Runtime's
/// <c>quantize_dynamic</c> writes (.NET has no such API, so the package rewrites its own graphs): each <c>MatMul</c> with
/// a constant weight matrix becomes <c>DynamicQuantizeLinear</c> of its input (uint8, one scale and zero point per call)
/// → <c>MatMulInteger</c> with the weights stored as int8 (7-bit range, see <see cref="MaxWeight"/>) with one scale per
/// output column → the int32 result cast back to float and scaled. ONNX Runtime fuses that chain into one int8 kernel.
/// Each embedding table becomes int8 rows with a scale per row, dequantised after the lookup. Everything else
/// (attention's products of two activations, normalisation, convolutions) stays float.
/// </summary>
/// <remarks>
/// The input's scale is taken over each call's whole input, so a row's score moves slightly with the rows scored
/// beside it — within int8 rounding, as with any dynamically quantised model. Scales per row would avoid that, but
/// they cannot use the fused kernel: measured on MiniLM at 64 and 128 tokens, per-row scales gave 1.2–1.3× the float
/// model's speed and per-call scales 1.7–2.0× (docs/benchmarks.md).
/// </remarks>
internal static class Int8Quantization
{
    /// <summary>
    /// The largest stored weight of a quantised matrix product: 7 bits, not 8. CPUs with AVX2 but without VNNI multiply
    /// uint8 by int8 with an instruction that adds two products into a saturating int16, and 255 · 127 · 2 overflows
    /// it: scores came out wrong by up to 60% of their spread on an AMD EPYC without VNNI. 255 · 63 · 2 fits, so a
    /// saved model scores the same on every CPU (ONNX Runtime's <c>reduce_range</c> makes the same trade).
    /// </summary>
    private const int MaxWeight = 63;

    /// <summary>The largest stored entry of an embedding row (dequantised in float, so all 8 bits are safe).</summary>
    private const int MaxEmbedding = 127;

    /// <summary>The quantised form of <paramref name="model"/> (an ONNX model the package wrote).</summary>
    public static byte[] Quantize(byte[] model, Int8QuantizationOptions options)
    {
        var graph = OnnxGraphReader.Read(model);
        var weights = graph.Initializers.Where(i => i.Type == OnnxElementType.Float && i.Dims.Length == 2).ToDictionary(i => i.Name);
        var uses = graph.Nodes.SelectMany(n => n.Inputs).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        var nodes = graph.Nodes.ToList();
        graph.Nodes.Clear();
        foreach (var node in nodes)
        {
            if (node.OpType == "MatMul" && weights.TryGetValue(node.Inputs[1], out var weight) && uses[weight.Name] == 1
                && weight.Dims[0] * weight.Dims[1] >= options.MinimumWeights)
            {
                QuantizedMatMul(graph, node, weight);
                graph.Initializers.Remove(weight);
            }
            else if (options.Embeddings && node.OpType == "Gather" && node.Attributes.All(a => a.Name != "axis" || a.Int == 0)
                && weights.TryGetValue(node.Inputs[0], out var table) && uses[table.Name] == 1 && table.Dims[1] > 1)
            {
                QuantizedLookup(graph, node, table);
                graph.Initializers.Remove(table);
            }
            else
            {
                graph.Nodes.Add(node);
            }
        }
        return OnnxModelWriter.Write(graph, "BigModel.MLNet");
    }

    /// <summary>y = (x_uint8 − x_zero) ⊗ W_int8 · (x_scale · w_scale[column]), x quantised per call.</summary>
    private static void QuantizedMatMul(OnnxGraph graph, OnnxNode node, OnnxTensor weight)
    {
        int rows = (int)weight.Dims[0], columns = (int)weight.Dims[1];
        var (quantized, scales) = Symmetric(weight.Floats!, columns, i => i % columns, MaxWeight);

        // uint8 inputs by int8 weights: the pair ONNX Runtime multiplies with its fast kernels (VNNI where the CPU has it).
        var input = graph.AddNodeWithOutputs("DynamicQuantizeLinear", [node.Inputs[0]], ["input_q", "input_scale", "input_zero"]);
        string product = graph.AddNode("MatMulInteger", [input[0], graph.AddInitializer("weight_q", quantized, rows, columns), input[2]]);
        string asFloat = graph.AddNode("Cast", [product], null, OnnxAttribute.Of("to", (long)OnnxElementType.Float));
        string scale = graph.AddNode("Mul", [input[1], graph.AddInitializer("weight_scale", scales, columns)]);
        graph.Nodes.Add(new OnnxNode("Mul", [asFloat, scale], node.Outputs, []));
    }

    /// <summary>An embedding lookup from int8 rows: Gather(rows) · Gather(row scales).</summary>
    private static void QuantizedLookup(OnnxGraph graph, OnnxNode node, OnnxTensor table)
    {
        int rows = (int)table.Dims[0], width = (int)table.Dims[1];
        var (quantized, scales) = Symmetric(table.Floats!, rows, i => i / width, MaxEmbedding);
        string indices = node.Inputs[1];
        string codes = graph.AddNode("Gather", [graph.AddInitializer("table_q", quantized, rows, width), indices]);
        string rowScales = graph.AddNode("Gather", [graph.AddInitializer("table_scale", scales, rows, 1), indices]);
        string asFloat = graph.AddNode("Cast", [codes], null, OnnxAttribute.Of("to", (long)OnnxElementType.Float));
        graph.Nodes.Add(new OnnxNode("Mul", [asFloat, rowScales], node.Outputs, []));
    }

    /// <summary>
    /// Symmetric quantisation in groups (a weight column, an embedding row): each group's largest magnitude becomes
    /// ±<paramref name="limit"/>, and value = code · scale[group].
    /// </summary>
    private static (sbyte[] Codes, float[] Scales) Symmetric(float[] values, int groups, Func<int, int> groupOf, int limit)
    {
        var scales = new float[groups];
        for (int i = 0; i < values.Length; i++)
            scales[groupOf(i)] = Math.Max(scales[groupOf(i)], Math.Abs(values[i]));
        for (int g = 0; g < groups; g++)
            scales[g] = scales[g] > 0 ? scales[g] / limit : 1;
        var codes = new sbyte[values.Length];
        for (int i = 0; i < values.Length; i++)
            codes[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scales[groupOf(i)]), -limit, limit);
        return (codes, scales);
    }
}
