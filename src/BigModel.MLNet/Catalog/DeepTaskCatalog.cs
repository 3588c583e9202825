using BigModel.MLNet.Engine;
using BigModel.MLNet.Glue.Inputs;
using BigModel.MLNet.Models;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Transforms.Images;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Models.Text;
using BigModel.MLNet.Tasks;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet;

/// <summary>The trainers of one task (regression, binary or multiclass classification).</summary>
public sealed class DeepTaskCatalog
{
    private readonly MLContext _context;

    internal DeepTaskCatalog(MLContext context, PredictionKind kind)
    {
        _context = context;
        Kind = kind;
    }

    /// <summary>The task these trainers solve.</summary>
    public PredictionKind Kind { get; }

    /// <summary>A multi-layer perceptron with default training options.</summary>
    /// <param name="labelColumnName">The label column.</param>
    /// <param name="featureColumnName">The feature column (a known-size vector of <c>Single</c>).</param>
    /// <param name="hiddenLayers">Units per hidden layer; null keeps the default (128, 64).</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="learningRate">The optimiser's learning rate.</param>
    public DeepTrainer Mlp(string labelColumnName = "Label", string featureColumnName = "Features",
        int[]? hiddenLayers = null, int epochs = 20, double learningRate = 1e-3)
    {
        var options = new MlpOptions
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            Epochs = epochs,
            LearningRate = learningRate,
        };
        if (hiddenLayers is not null)
            options.HiddenLayers = hiddenLayers;
        return Mlp(options);
    }

    /// <summary>
    /// A multi-layer perceptron configured by <paramref name="options"/>: numeric features (standardised inside the
    /// network by default) and, optionally, categorical key columns learned as embeddings.
    /// </summary>
    public DeepTrainer Mlp(MlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inputs = new List<ModelInput> { new FloatVectorInput(options.FeatureColumnName) };
        inputs.AddRange((options.CategoricalColumnNames ?? []).Select(column => new KeyInput(column)));
        var spec = new ModelSpec($"Mlp{Kind}", inputs, options.LabelColumnName,
            schema => PredictionTask.Create(Kind, schema[options.LabelColumnName], options),
            request => TabularMlp.Build(request, options));
        return new DeepTrainer(_context, spec, options);
    }

    /// <summary>A small convolutional network (conv–batch-norm–ReLU–pool blocks, dropout, dense) on an image column;
    /// <see cref="CnnOptions.Architecture"/> switches to ResNet-18.</summary>
    /// <param name="labelColumnName">The label column.</param>
    /// <param name="featureColumnName">The image column: Channels × Height × Width <c>Single</c> pixels, channel-major.</param>
    /// <param name="imageHeight">Image height.</param>
    /// <param name="imageWidth">Image width.</param>
    /// <param name="imageChannels">Colour channels.</param>
    /// <param name="epochs">Passes over the training data.</param>
    public DeepTrainer Cnn(string labelColumnName = "Label", string featureColumnName = "Image", int imageHeight = 28, int imageWidth = 28,
        int imageChannels = 1, int epochs = 10) =>
        Cnn(new CnnOptions
        {
            LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, ImageHeight = imageHeight,
            ImageWidth = imageWidth, ImageChannels = imageChannels, Epochs = epochs,
        });

    /// <summary>A small convolutional network configured by <paramref name="options"/>.</summary>
    public DeepTrainer Cnn(CnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string image = options.FeatureColumnName;
        var spec = new ModelSpec($"Cnn{Kind}", [new FloatVectorInput(image)], options.LabelColumnName,
            schema => PredictionTask.Create(Kind, schema[options.LabelColumnName], options),
            request =>
            {
                int expected = options.ImageChannels * options.ImageHeight * options.ImageWidth;
                if (request.InputSizes[0] != expected)
                    throw new ArgumentOutOfRangeException(image,
                        $"Column '{image}' has {request.InputSizes[0]} values per row, but ImageChannels × ImageHeight × ImageWidth = " +
                        $"{options.ImageChannels} × {options.ImageHeight} × {options.ImageWidth} = {expected}.");
                int outputs = request.Task.OutputSize;
                var built = options.PretrainedModelPath is { } pretrained
                    ? PretrainedResNet(options, pretrained, outputs)
                    : BuiltNetwork.FromModule(options.Architecture == CnnArchitecture.ResNet18 ? new ResNet18(options, outputs) : new SmallCnn(options, outputs));
                return options.TestTimeFlip
                    ? built with { ExportOnnx = (graph, inputs) => FlipAveraging.Export(graph, inputs[0], options, outputs, both => built.ExportOnnx(graph, [both])) }
                    : built;
            },
            schema => ImageAugmentingEstimator.ReadMark(schema[image]) is { IsActive: true } augmentation
                ? new ImageAugmentation(augmentation, options.ImageChannels, options.ImageHeight, options.ImageWidth).Apply
                : null);
        return new DeepTrainer(_context, spec, options);
    }

    /// <summary>ResNet-18 with an ImageNet backbone from <paramref name="path"/>, a new head, trained in the stages of
    /// <see cref="TransferLearning"/>.</summary>
    private static BuiltNetwork PretrainedResNet(CnnOptions options, string path, int outputs)
    {
        var network = new ResNet18(options, outputs, PretrainedResNet18.StageBlocks(path)) { FreezeBatchNormStatistics = options.FreezeBatchNormStatistics };
        PretrainedResNet18.LoadInto(network, path);
        return BuiltNetwork.FromModule(network) with { Train = session => TransferLearning.Train(network, session, options) };
    }

    /// <summary>
    /// A BERT-style text classifier fine-tuned from pretrained weights (an ONNX encoder such as all-MiniLM-L6-v2, or a
    /// Hugging Face checkpoint folder) on a text column. The model tokenises the raw text itself (WordPiece), also after
    /// <c>mlContext.Model.Save</c>/<c>Load</c>.
    /// </summary>
    /// <param name="pretrainedModelPath">The encoder's ONNX file or checkpoint folder.</param>
    /// <param name="vocabularyPath">Its <c>vocab.txt</c>; null when it sits beside the weights.</param>
    /// <param name="labelColumnName">The label column.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="epochs">Passes over the training data.</param>
    public DeepTrainer TextClassifier(string pretrainedModelPath, string? vocabularyPath = null, string labelColumnName = "Label",
        string textColumnName = "Text", int epochs = 3) =>
        TextClassifier(new TextClassifierOptions
        {
            PretrainedModelPath = pretrainedModelPath, VocabularyPath = vocabularyPath, LabelColumnName = labelColumnName,
            TextColumnName = textColumnName, Epochs = epochs,
            EarlyStoppingMetric = Kind == PredictionKind.Regression ? EarlyStoppingMetric.ValidationLoss : EarlyStoppingMetric.ValidationAccuracy,
        });

    /// <summary>A BERT-style text classifier configured by <paramref name="options"/> (pretrained or from scratch).</summary>
    /// <exception cref="FileNotFoundException">The vocabulary file does not exist.</exception>
    /// <exception cref="InvalidDataException">The vocabulary cannot be used (the message names the file).</exception>
    public DeepTrainer TextClassifier(TextClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(); // before the vocabulary file is read; the trainer checks again
        var encoder = new Transforms.Text.WordPieceEncoder(Transforms.Text.BertVocabulary.Load(TextClassifierBuilder.VocabularyPath(options)), options.LowerCase);
        var texts = new[] { options.TextColumnName, options.SecondTextColumnName }.OfType<string>();
        var spec = new ModelSpec($"TextClassifier{Kind}", [.. texts.Select(text => new TextInput(text, encoder))], options.LabelColumnName,
            schema => PredictionTask.Create(Kind, schema[options.LabelColumnName], options),
            request => TextClassifierBuilder.Build(options, encoder.Vocabulary, request.Task.OutputSize));
        return new DeepTrainer(_context, spec, options);
    }

    /// <summary>
    /// Trains your own network. <paramref name="network"/> builds a fresh module for each <c>Fit</c> (cross-validation
    /// fits several) from the input width and the output width the task needs (1, or the class count; output logits,
    /// the model adds sigmoid/softmax). Saving needs layers <see cref="Export.LayerExporter"/> supports, or modules
    /// implementing <see cref="Export.IOnnxExportable"/>.
    /// </summary>
    /// <param name="network">Creates the module for a given <see cref="NetworkShape"/>.</param>
    /// <param name="options">How to train; null takes the defaults.</param>
    /// <param name="labelColumnName">The label column.</param>
    /// <param name="featureColumnName">The feature column.</param>
    /// <param name="loss">A per-row loss replacing the task's own (squared error, logistic, cross-entropy).</param>
    public DeepTrainer Custom(Func<NetworkShape, nn.Module<Tensor, Tensor>> network, TrainingOptions? options = null,
        string labelColumnName = "Label", string featureColumnName = "Features", LossFunction? loss = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new TrainingOptions();
        var spec = new ModelSpec($"Custom{Kind}", [new FloatVectorInput(featureColumnName)], labelColumnName,
            schema => PredictionTask.Create(Kind, schema[labelColumnName], options),
            request => BuiltNetwork.FromModule(network(new NetworkShape(request.InputSizes[0], request.Task.OutputSize))
                ?? throw new InvalidOperationException($"The network factory given to {nameof(Custom)} returned null; it must return a new module.")),
            VerifyExportBeforeTraining: true);
        return new DeepTrainer(_context, spec, options, loss);
    }
}
