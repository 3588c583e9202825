using System.Text.Json;

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
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the heads do not divide the width.</exception>
    public void Validate()
    {
        foreach (var (name, value) in new[] { (nameof(VocabularySize), VocabularySize), (nameof(HiddenSize), HiddenSize), (nameof(Layers), Layers),
                     (nameof(AttentionHeads), AttentionHeads), (nameof(IntermediateSize), IntermediateSize), (nameof(MaxPositions), MaxPositions),
                     (nameof(TypeVocabularySize), TypeVocabularySize) })
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(name, value, "Must be at least 1.");
        }
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
            int Size(string key) => root.TryGetProperty(key, out var value) && value.TryGetInt32(out int size) ? size
                : throw new InvalidDataException($"'{path}' has no integer '{key}'.");
            return new BertConfig
            {
                VocabularySize = Size("vocab_size"),
                HiddenSize = Size("hidden_size"),
                Layers = Size("num_hidden_layers"),
                AttentionHeads = Size("num_attention_heads"),
                IntermediateSize = Size("intermediate_size"),
                MaxPositions = Size("max_position_embeddings"),
                TypeVocabularySize = root.TryGetProperty("type_vocab_size", out var types) ? types.GetInt32() : 2,
                LayerNormEpsilon = root.TryGetProperty("layer_norm_eps", out var eps) ? eps.GetDouble() : 1e-12,
            };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }
}
