using BigModel.MLNet.Glue;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Transforms.Images;

/// <summary>
/// The pipeline step that asks for training-time image augmentation: <c>ml.Deep().AugmentImages("Image", options)</c>.
/// It changes no value. It marks the image column with an annotation holding <see cref="ImageAugmentationOptions"/>;
/// an image trainer later in the pipeline reads the mark from its training data and applies the changes to shuffled
/// training batches only. Validation, <c>Transform</c>, prediction engines and saved models see the images unchanged,
/// so a fitted pipeline can be used for scoring as it is.
/// </summary>
public sealed class ImageAugmentingEstimator : IEstimator<ImageAugmentingTransformer>
{
    /// <summary>The annotation the mark is stored under.</summary>
    public const string AnnotationName = "BigModel.ImageAugmentation";

    private readonly string _columnName;
    private readonly ImageAugmentationOptions _options;

    internal ImageAugmentingEstimator(string columnName, ImageAugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(columnName);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _columnName = columnName;
        _options = options;
    }

    /// <summary>Returns the marking transformer (there is nothing to learn).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or holds no known-size vector of <c>Single</c>.</exception>
    public ImageAugmentingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ImageAugmentingTransformer(_columnName, _options, input.Schema);
    }

    /// <summary>The input shape; the image column gains the annotation.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        SchemaShapes.FromSchema(ImageAugmentingTransformer.Mark(SchemaShapes.ToSchema(inputSchema), _columnName, _options, checkType: false));

    /// <summary>The augmentation marked on <paramref name="column"/>, or null when it has none.</summary>
    internal static ImageAugmentationOptions? ReadMark(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull(AnnotationName) is not { } annotation)
            return null;
        ReadOnlyMemory<char> json = default;
        column.Annotations.GetValue(annotation.Name, ref json);
        return ImageAugmentationOptions.FromJson(json.ToString());
    }
}

/// <summary>
/// Passes every row through unchanged and marks the image column for training-time augmentation (see
/// <see cref="ImageAugmentingEstimator"/>). Saved as ML.NET's own column copy, so saved models hold no trace of it.
/// </summary>
public sealed class ImageAugmentingTransformer : ITransformer
{
    private readonly string _columnName;
    private readonly ImageAugmentationOptions _options;
    private readonly ITransformer _identity;

    internal ImageAugmentingTransformer(string columnName, ImageAugmentationOptions options, DataViewSchema inputSchema)
    {
        Mark(inputSchema, columnName, options, checkType: true);
        _columnName = columnName;
        _options = options;
        // Copying the column onto itself: the identity, in a form ML.NET saves, loads and maps row by row.
        var context = new MLContext();
        _identity = context.Transforms.CopyColumns(columnName, columnName).Fit(new EmptyDataView(inputSchema));
    }

    /// <summary>The changes the column is marked with.</summary>
    public ImageAugmentationOptions Options => _options;

    /// <summary>True: prediction engines use ML.NET's identity mapping.</summary>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Mark(inputSchema, _columnName, _options, checkType: true);

    /// <summary>The same rows, with the image column marked.</summary>
    public IDataView Transform(IDataView input) => new AnnotatedDataView(input, GetOutputSchema(input.Schema));

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _identity.GetRowToRowMapper(inputSchema);

    void ICanSaveModel.Save(ModelSaveContext ctx) => _identity.Save(ctx);

    /// <summary><paramref name="schema"/> with <paramref name="columnName"/> carrying the mark.</summary>
    internal static DataViewSchema Mark(DataViewSchema schema, string columnName, ImageAugmentationOptions options, bool checkType)
    {
        var column = schema.GetColumnOrNull(columnName) ?? throw new ArgumentOutOfRangeException(columnName,
            $"The data has no image column '{columnName}' to augment. Columns present: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.");
        bool pixels = column.Type is VectorDataViewType { IsKnownSize: true } vector && vector.ItemType == NumberDataViewType.Single;
        if (checkType && !pixels)
            throw new ArgumentOutOfRangeException(columnName,
                $"Column '{columnName}' must hold pixels as a known-size vector of Single (from ExtractPixels or LoadIdx), but is {column.Type}.");
        var builder = new DataViewSchema.Builder();
        foreach (var other in schema)
        {
            if (other.Index != column.Index)
            {
                builder.AddColumn(other.Name, other.Type, other.Annotations);
                continue;
            }
            var annotations = new DataViewSchema.Annotations.Builder();
            annotations.Add(other.Annotations, name => name != ImageAugmentingEstimator.AnnotationName);
            annotations.Add(ImageAugmentingEstimator.AnnotationName, TextDataViewType.Instance,
                (ref ReadOnlyMemory<char> value) => value = options.ToJson().AsMemory());
            builder.AddColumn(other.Name, other.Type, annotations.ToAnnotations());
        }
        return builder.ToSchema();
    }
}
