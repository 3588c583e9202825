using System.Text;
using System.Text.Json;
using BigModel.MLNet.Models.Text;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>Writes a Hugging Face checkpoint folder (config.json and model.safetensors of F32 tensors) for import tests.</summary>
internal static class Safetensors
{
    public static void WriteCheckpoint(string folder, BertConfig config, IEnumerable<(string Name, Tensor Value)> tensors)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), ConfigJson(config));
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        var data = new MemoryStream();
        foreach (var (name, value) in tensors)
        {
            float[] values = value.detach().cpu().contiguous().data<float>().ToArray();
            long begin = data.Length;
            data.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            header[name] = new { dtype = "F32", shape = value.shape, data_offsets = new[] { begin, data.Length } };
        }
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var file = File.Create(Path.Combine(folder, "model.safetensors"));
        file.Write(BitConverter.GetBytes((long)json.Length));
        file.Write(json);
        data.Position = 0;
        data.CopyTo(file);
    }

    public static string ConfigJson(BertConfig config) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["model_type"] = "bert",
        ["vocab_size"] = config.VocabularySize,
        ["hidden_size"] = config.HiddenSize,
        ["num_hidden_layers"] = config.Layers,
        ["num_attention_heads"] = config.AttentionHeads,
        ["intermediate_size"] = config.IntermediateSize,
        ["max_position_embeddings"] = config.MaxPositions,
        ["type_vocab_size"] = config.TypeVocabularySize,
        ["layer_norm_eps"] = config.LayerNormEpsilon,
    });
}
