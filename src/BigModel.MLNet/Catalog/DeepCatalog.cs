using BigModel.MLNet.Glue;
using BigModel.MLNet.Tasks;
using BigModel.MLNet.Models.Text;
using Microsoft.ML;

namespace BigModel.MLNet;

/// <summary>
/// Deep-learning trainers for one <see cref="MLContext"/>, grouped by task as ML.NET's own catalogs are.
/// Obtain it with <c>mlContext.Deep()</c>.
/// </summary>
public sealed class DeepCatalog
{
    private readonly MLContext _context;

    internal DeepCatalog(MLContext context)
    {
        _context = context;
        context.ComponentCatalog.RegisterAssembly(typeof(DeepCatalog).Assembly);
        Regression = new DeepTaskCatalog(context, PredictionKind.Regression);
        BinaryClassification = new DeepTaskCatalog(context, PredictionKind.BinaryClassification);
        MulticlassClassification = new DeepTaskCatalog(context, PredictionKind.MulticlassClassification);
        Recommendation = new DeepRecommendationCatalog(context);
    }

    /// <summary>Trainers that predict a <c>Single</c> label.</summary>
    public DeepTaskCatalog Regression { get; }

    /// <summary>Trainers that predict a <c>Boolean</c> label.</summary>
    public DeepTaskCatalog BinaryClassification { get; }

    /// <summary>Trainers that predict a key label.</summary>
    public DeepTaskCatalog MulticlassClassification { get; }

    /// <summary>Recommenders over user and item keys, and ranking tools.</summary>
    public DeepRecommendationCatalog Recommendation { get; }

    /// <summary>
    /// Loads MNIST-format (IDX) image and label files, gzipped or not, such as Fashion-MNIST's: an <c>Image</c> column
    /// (Height × Width pixels scaled to [0, 1]) and a <c>Label</c> column (<c>Single</c>; map it to a key to classify).
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not an IDX file of bytes, or the counts disagree (the message names the file).</exception>
    public IDataView LoadIdx(string imagesPath, string labelsPath) => new Data.IdxDataView(imagesPath, labelsPath);

    /// <summary>
    /// Lists labelled photos stored one folder per class (<c>root/daisy/*.jpg</c>, <c>root/roses/*.jpg</c>, …): an
    /// <c>ImagePath</c> column for <c>LoadImages</c> and a <c>Label</c> column holding the folder's name. Sorted by class
    /// and file name, so the order (and any split taken from it) is the same on every machine.
    /// </summary>
    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="extensions">File extensions to take (default: .jpg, .jpeg, .png, .bmp).</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">A class folder is empty, or there are no class folders (the message names the folder).</exception>
    public IDataView LoadImageFolders(string root, params string[] extensions) =>
        _context.Data.LoadFromEnumerable(Data.ImageFolders.List(root, extensions));

    /// <summary>
    /// Asks the image trainer later in the pipeline to change its training images at random (flips, small rotations,
    /// translations, erasing), freshly each epoch. The step changes no value: it marks the image column, and the
    /// trainer applies the changes to shuffled training batches only — never to validation, <c>Transform</c>,
    /// prediction engines or saved models, so the fitted pipeline scores as it is.
    /// </summary>
    /// <param name="columnName">The image column (pixels from <c>ExtractPixels</c> or <c>LoadIdx</c>).</param>
    /// <param name="options">The changes.</param>
    public Transforms.Images.ImageAugmentingEstimator AugmentImages(string columnName, Transforms.Images.ImageAugmentationOptions options) =>
        new(columnName, options);

    /// <summary>Training-time image augmentation (see <see cref="AugmentImages(string, Transforms.Images.ImageAugmentationOptions)"/>);
    /// every change is off unless asked for, since a flip or turn that suits photos corrupts digits and text.</summary>
    /// <param name="columnName">The image column.</param>
    /// <param name="horizontalFlip">Flip left–right with probability ½.</param>
    /// <param name="rotationDegrees">Rotate within ± this many degrees (0 = off).</param>
    /// <param name="cropPadding">Translate by up to this many pixels (0 = off).</param>
    /// <param name="verticalFlip">Flip upside down with probability ½.</param>
    public Transforms.Images.ImageAugmentingEstimator AugmentImages(string columnName = "Image", bool horizontalFlip = false, double rotationDegrees = 0,
        int cropPadding = 0, bool verticalFlip = false) =>
        AugmentImages(columnName, new Transforms.Images.ImageAugmentationOptions
        {
            RandomHorizontalFlip = horizontalFlip, RandomVerticalFlip = verticalFlip, RandomRotationDegrees = rotationDegrees,
            RandomCropPadding = cropPadding,
        });

    /// <summary>
    /// Decodes encoded image bytes — ML.NET's <c>LoadRawImageBytes</c> output — into an image column for
    /// <c>ResizeImages</c> → <c>ExtractPixels</c> → <see cref="DeepTaskCatalog.Cnn(Models.Cnn.CnnOptions)"/>. Saves and
    /// loads with the pipeline. Bytes that are no image fail with an error naming the row and column at training.
    /// </summary>
    /// <param name="outputColumnName">The image column to create.</param>
    /// <param name="inputColumnName">The column of encoded bytes.</param>
    public IEstimator<ITransformer> DecodeImages(string outputColumnName, string inputColumnName) =>
        Transforms.Images.ImageBytesDecoding.Create(_context, outputColumnName, inputColumnName);

    /// <summary>
    /// BERT tokenisation as a pipeline transform: WordPiece from <paramref name="vocabularyPath"/> on one text column
    /// (or two, for sentence pairs), giving <c>InputIds</c>, <c>AttentionMask</c> and <c>TokenTypeIds</c> (Int64 ×
    /// <paramref name="maxLength"/>: <c>[CLS] a [SEP] b [SEP]</c>, truncated longest text first, padded with
    /// <c>[PAD]</c>). For models you feed yourself; <see cref="DeepTaskCatalog.TextClassifier(TextClassifierOptions)"/>
    /// tokenises on its own. Saved and loaded with the pipeline like any ML.NET transform. Its small ONNX step is read
    /// from one file per setting in the temp folder (<c>bigmodel-bert-input-*.onnx</c>), shared by every fit.
    /// </summary>
    /// <param name="vocabularyPath">The WordPiece <c>vocab.txt</c>.</param>
    /// <param name="inputColumnName">The text column.</param>
    /// <param name="secondInputColumnName">The second text of a pair, or null.</param>
    /// <param name="maxLength">Tokens per row, special tokens included (at most 512).</param>
    /// <param name="lowerCase">True for uncased vocabularies (lower-case and strip accents first).</param>
    /// <exception cref="FileNotFoundException">The vocabulary file does not exist.</exception>
    /// <exception cref="InvalidDataException">The vocabulary cannot be used (the message names the file).</exception>
    public IEstimator<ITransformer> TokenizeWordPiece(string vocabularyPath, string inputColumnName = "Text", string? secondInputColumnName = null,
        int maxLength = 128, bool lowerCase = true) =>
        Transforms.Text.BertInputTransform.Create(new Transforms.Text.WordPieceEncoder(Transforms.Text.BertVocabulary.Load(vocabularyPath), lowerCase),
            inputColumnName, secondInputColumnName, maxLength);

    /// <summary>
    /// Searches trainer options (and pipeline choices) for the best value of an ML.NET metric on validation data:
    /// random or grid trials, with asynchronous successive halving that stops bad trials after a few epochs and resumes
    /// promoted ones from their checkpoints. Uses this context's seed (same seed: same trials), log and cancellation
    /// (<see cref="CancelExecution"/> returns what was found so far). A trial that throws is recorded, not fatal.
    /// </summary>
    /// <typeparam name="TOptions">The trainer's options class.</typeparam>
    /// <param name="options">The search space, pipeline factory, data, metric, sampler, scheduler and budget.</param>
    /// <returns>Every trial, the best parameters and the best fitted pipeline.</returns>
    public Tuning.TuningResult Tune<TOptions>(Tuning.TuningOptions<TOptions> options) where TOptions : Engine.TrainingOptions, new()
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Tuning.Tuner<TOptions>(_context, options).Run();
    }

    /// <summary>
    /// Loads a model saved with <c>mlContext.Model.Save</c>, after checking that the file is intact: every entry of the
    /// archive must match the checksum the file records (ML.NET's own <c>Model.Load</c> does not check, so a damaged
    /// weight could load and score garbage). A failure names the file and what is wrong with it.
    /// </summary>
    /// <param name="path">The saved model.</param>
    /// <param name="inputSchema">The schema of the data the model was saved with.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a saved model, is damaged, or cannot be loaded (the message says why).</exception>
    public ITransformer LoadModel(string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The model file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return LoadModel(stream, path, out inputSchema);
    }

    /// <summary>Loads a saved model from a stream after checking it (see <see cref="LoadModel(string, out DataViewSchema)"/>).</summary>
    /// <param name="stream">The saved model.</param>
    /// <param name="inputSchema">The schema of the data the model was saved with.</param>
    /// <exception cref="InvalidDataException">The stream is not a saved model, is damaged, or cannot be loaded.</exception>
    public ITransformer LoadModel(Stream stream, out DataViewSchema inputSchema) => LoadModel(stream, "the model stream", out inputSchema);

    private ITransformer LoadModel(Stream stream, string source, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            stream = copy;
        }
        long start = stream.Position;
        Persistence.SavedModelCheck.Verify(stream, source);
        stream.Position = start;
        try
        {
            return _context.Model.Load(stream, out inputSchema);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            throw new InvalidDataException($"'{source}' could not be loaded as a model: {UpstreamFailure.Cause(e)}.", e);
        }
    }

    /// <summary>
    /// Cancels everything running under this context, ML.NET trainers included; a running <c>Fit</c> of this package
    /// stops before its next batch with <see cref="OperationCanceledException"/>. The context stays cancelled.
    /// </summary>
    public void CancelExecution() => ContextServices.Cancel(_context);
}
