using System.Text.Json;
using BigModel.MLNet.Engine;

namespace BigModel.MLNet.Models.Text;

/// <summary>
/// The size of a BERT-style encoder. The defaults describe a tiny encoder for training from scratch; pretrained
/// weights bring their own (read from the ONNX model or the checkpoint's <c>config.json</c>).
/// </summary>
public sealed record BertConfig
{
    /// <summary>Rows of the token embedding table. Training from scratch takes it from the vocabulary (whatever is set
    /// here); pretrained tables may have more rows than the vocabulary has tokens, never fewer.</summary>
    public int VocabularySize { get; init; } = 30522;
    /// <summary>Width of every token's state.</summary>
    public int HiddenSize { get; init; } = 128;
    /// <summary>Transformer layers.</summary>
    public int Layers { get; init; } = 2;
    /// <summary>Attention heads per layer; must divide <see cref="HiddenSize"/>.</summary>
    public int AttentionHeads { get; init; } = 2;
    /// <summary>Width of each layer's feed-forward block.</summary>
    public int IntermediateSize { get; init; } = 512;
    /// <summary>Rows of the position embedding table: the longest sequence the encoder can read.</summary>
    public int MaxPositions { get; init; } = 512;
    /// <summary>Rows of the token-type (segment) table: 2 for sentence pairs.</summary>
    public int TypeVocabularySize { get; init; } = 2;
    /// <summary>Layer normalisation's epsilon.</summary>
    public double LayerNormEpsilon { get; init; } = 1e-12;

    /// <summary>Checks that the sizes make an encoder.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of its range, or the heads do not divide the width.</exception>
    public void Validate()
    {
        OptionChecks.Range(VocabularySize, nameof(VocabularySize), 1, 10_000_000);
        OptionChecks.Range(HiddenSize, nameof(HiddenSize), 1, 16_384);
        OptionChecks.Range(Layers, nameof(Layers), 1, 256);
        OptionChecks.Range(AttentionHeads, nameof(AttentionHeads), 1, 1024);
        OptionChecks.Range(IntermediateSize, nameof(IntermediateSize), 1, 65_536);
        OptionChecks.Range(MaxPositions, nameof(MaxPositions), 1, 8192);
        OptionChecks.Range(TypeVocabularySize, nameof(TypeVocabularySize), 1, 1024);
        OptionChecks.Range(LayerNormEpsilon, nameof(LayerNormEpsilon), 0, 1, minExclusive: true);
        if (HiddenSize % AttentionHeads != 0)
            throw new ArgumentOutOfRangeException(nameof(AttentionHeads), AttentionHeads, $"Must divide {nameof(HiddenSize)} ({HiddenSize}).");
    }

    /// <summary>Reads a Hugging Face <c>config.json</c> (the BERT keys: vocab_size, hidden_size, num_hidden_layers, …).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not JSON or lacks a size (the message names file and key).</exception>
    public static BertConfig FromHuggingFace(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The model configuration '{path}' does not exist.", path);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"'{path}' must hold a JSON object of settings, but its root is {root.ValueKind}.");
            JsonElement? Find(string key) => root.TryGetProperty(key, out var value) ? value : null;
            int Size(string key, int? fallback = null) => Find(key) switch
            {
                { ValueKind: JsonValueKind.Number } value when value.TryGetInt32(out int size) => size,
                null when fallback is int value => value,
                null => throw new InvalidDataException($"'{path}' has no '{key}'; BERT configurations need it."),
                { } value => throw new InvalidDataException($"'{path}' has '{key}' = {value.GetRawText()}, where a whole number belongs."),
            };
            double Number(string key, double fallback) => Find(key) switch
            {
                { ValueKind: JsonValueKind.Number } value => value.GetDouble(),
                null => fallback,
                { } value => throw new InvalidDataException($"'{path}' has '{key}' = {value.GetRawText()}, where a number belongs."),
            };
            var config = new BertConfig
            {
                VocabularySize = Size("vocab_size"),
                HiddenSize = Size("hidden_size"),
                Layers = Size("num_hidden_layers"),
                AttentionHeads = Size("num_attention_heads"),
                IntermediateSize = Size("intermediate_size"),
                MaxPositions = Size("max_position_embeddings"),
                TypeVocabularySize = Size("type_vocab_size", fallback: 2),
                LayerNormEpsilon = Number("layer_norm_eps", 1e-12),
            };
            try
            {
                config.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new InvalidDataException($"'{path}' describes no usable encoder: {e.Message}", e);
            }
            return config;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }
}
