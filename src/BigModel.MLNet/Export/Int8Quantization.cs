namespace BigModel.MLNet.Export;

/// <summary>What <see cref="Int8Quantization"/> rewrites.</summary>
/// <param name="Embeddings">Also store embedding tables (Gather over a constant table) as int8 rows with a scale each.</param>
/// <param name="MinimumWeights">Leave smaller weight matrices in float: below this size, quantising the input each call
/// costs more than the smaller product saves (an MLP's output layer, a classification head).</param>
public sealed record Int8QuantizationOptions(bool Embeddings = true, int MinimumWeights = 16_384);

/// <summary>
/// Dynamic int8 quantisation of an exported model, written as standard ONNX (opset 17) that ONNX Runtime runs with its
/// int8 kernels: each <c>MatMul</c> with a constant weight matrix becomes a symmetric int8 quantisation of each input
/// row (its own scale, so a row scores the same whatever it is batched with) → <c>MatMulInteger</c> with the weights
/// stored as int8 with one scale per output column → the int32 result cast back to float and scaled; each embedding table becomes
/// int8 rows with a scale per row, dequantised after the lookup. Everything else (attention's products of two
/// activations, normalisation, convolutions) stays float. ONNX Runtime's <c>quantize_dynamic</c> does the same in
/// Python; .NET has no such API, so the package rewrites its own graphs.
/// </summary>
internal static class Int8Quantization
{
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

    /// <summary>
    /// y = (x_int8 ⊗ W_int8) · x_scale[row] · w_scale[column], where each row of x (each token of a text) is quantised
    /// with its own scale: ONNX's DynamicQuantizeLinear would take one scale for the whole batch, so a row's score would
    /// depend on the rows scored with it — and differ between batched Transform and a saved model that scores row by row.
    /// </summary>
    private static void QuantizedMatMul(OnnxGraph graph, OnnxNode node, OnnxTensor weight)
    {
        int rows = (int)weight.Dims[0], columns = (int)weight.Dims[1];
        var values = weight.Floats!;
        var scales = new float[columns];
        for (int c = 0; c < columns; c++)
        {
            float max = 0;
            for (int r = 0; r < rows; r++)
                max = Math.Max(max, Math.Abs(values[r * columns + c]));
            scales[c] = max > 0 ? max / 127 : 1;
        }
        var quantized = new sbyte[values.Length];
        for (int i = 0; i < values.Length; i++)
            quantized[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scales[i % columns]), -127, 127);

        string x = node.Inputs[0];
        string largest = graph.AddNode("ReduceMax", [graph.AddNode("Abs", [x])], null, OnnxAttribute.Of("axes", [-1L]), OnnxAttribute.Of("keepdims", 1L));
        string rowScale = graph.AddNode("Max", [graph.AddNode("Div", [largest, graph.AddInitializer("int8_max", [127f])]), graph.AddInitializer("tiny", [1e-12f])]);
        string rounded = graph.AddNode("Round", [graph.AddNode("Div", [x, rowScale])]);
        string clipped = graph.AddNode("Clip", [rounded, graph.AddInitializer("int8_low", [-127f]), graph.AddInitializer("int8_high", [127f])]);
        string codes = graph.AddNode("Cast", [clipped], null, OnnxAttribute.Of("to", (long)OnnxElementType.Int8));
        string product = graph.AddNode("MatMulInteger", [codes, graph.AddInitializer("weight_q", quantized, rows, columns)]);
        string asFloat = graph.AddNode("Cast", [product], null, OnnxAttribute.Of("to", (long)OnnxElementType.Float));
        string scaled = graph.AddNode("Mul", [asFloat, rowScale]);
        graph.Nodes.Add(new OnnxNode("Mul", [scaled, graph.AddInitializer("weight_scale", scales, columns)], node.Outputs, []));
    }

    /// <summary>An embedding lookup from int8 rows: Gather(rows) · Gather(row scales).</summary>
    private static void QuantizedLookup(OnnxGraph graph, OnnxNode node, OnnxTensor table)
    {
        int rows = (int)table.Dims[0], width = (int)table.Dims[1];
        var values = table.Floats!;
        var scales = new float[rows];
        var quantized = new sbyte[values.Length];
        for (int r = 0; r < rows; r++)
        {
            float max = 0;
            for (int c = 0; c < width; c++)
                max = Math.Max(max, Math.Abs(values[r * width + c]));
            scales[r] = max > 0 ? max / 127 : 1;
            for (int c = 0; c < width; c++)
                quantized[r * width + c] = (sbyte)Math.Clamp(MathF.Round(values[r * width + c] / scales[r]), -127, 127);
        }
        string indices = node.Inputs[1];
        string codes = graph.AddNode("Gather", [graph.AddInitializer("table_q", quantized, rows, width), indices]);
        string rowScales = graph.AddNode("Gather", [graph.AddInitializer("table_scale", scales, rows, 1), indices]);
        string asFloat = graph.AddNode("Cast", [codes], null, OnnxAttribute.Of("to", (long)OnnxElementType.Float));
        graph.Nodes.Add(new OnnxNode("Mul", [asFloat, rowScales], node.Outputs, []));
    }
}
