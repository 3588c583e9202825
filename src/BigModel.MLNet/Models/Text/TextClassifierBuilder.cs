using BigModel.MLNet.Engine;
using BigModel.MLNet.Transforms.Text;

namespace BigModel.MLNet.Models.Text;

/// <summary>Builds the text classifier's network from its options: a pretrained or fresh encoder, the assembler, the head.</summary>
internal static class TextClassifierBuilder
{
    /// <summary>The vocabulary file: the one given, or <c>vocab.txt</c> beside the pretrained weights.</summary>
    public static string VocabularyPath(TextClassifierOptions options)
    {
        if (options.VocabularyPath is { } given)
            return given;
        string pretrained = options.PretrainedModelPath!;
        string folder = Directory.Exists(pretrained) ? pretrained : Path.GetDirectoryName(Path.GetFullPath(pretrained))!;
        return Path.Combine(folder, "vocab.txt");
    }

    public static BuiltNetwork Build(TextClassifierOptions options, BertVocabulary vocabulary, int outputs)
    {
        var checkpoint = options.PretrainedModelPath is { } path ? BertCheckpoint.Read(path) : null;
        var config = checkpoint?.Config ?? options.Config with { VocabularySize = vocabulary.Count };
        if (vocabulary.Count > config.VocabularySize)
            throw new InvalidDataException(
                $"The vocabulary '{vocabulary.Source}' has {vocabulary.Count} tokens, but the encoder '{checkpoint!.Source}' embeds only {config.VocabularySize}.");
        if (options.MaxLength > config.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(options.MaxLength), options.MaxLength,
                $"The encoder has {config.MaxPositions} positions; {nameof(options.MaxLength)} must not exceed that.");
        if (options.FrozenLayers > config.Layers)
            throw new ArgumentOutOfRangeException(nameof(options.FrozenLayers), options.FrozenLayers, $"The encoder has {config.Layers} layers.");

        var encoder = new BertEncoder(config, options.Dropout);
        checkpoint?.LoadInto(encoder);
        var assembler = new SequenceAssembler(options.MaxLength, vocabulary.Classification, vocabulary.Separator, vocabulary.Padding);
        var network = new TextClassifierNetwork(encoder, assembler, options.Pooling, outputs, options.Dropout);
        var trainable = new TrainableNetwork(network, network.Forward, Groups: () => network.Groups(options.FreezeEmbeddings, options.FrozenLayers, options.LayerwiseLearningRateDecay));
        return new BuiltNetwork(trainable, network.ExportOnnx);
    }
}
