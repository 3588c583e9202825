using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;

namespace BigModel.MLNet.Transforms.Images;

/// <summary>
/// Decodes encoded image bytes (JPEG, PNG, …: what ML.NET's <c>LoadRawImageBytes</c> gives) into an image column, so
/// that <c>ResizeImages</c> and <c>ExtractPixels</c> — and the CNN after them — can use them. A stateless custom mapping
/// around fixed column names, so pipelines with it save and load.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class ImageBytesDecoding : CustomMappingFactory<ImageBytesDecoding.BytesRow, ImageBytesDecoding.ImageRow>
{
    /// <summary>The name ML.NET records in saved models.</summary>
    public const string ContractName = "BigModel.MLNet.DecodeImageBytes";

    // An MLImage property with no size attribute is an image of any size. ML.NET's ImageType attribute needs a size,
    // so the type is registered here; the factory is created before any schema is built, also when a model loads.
    static ImageBytesDecoding()
    {
        try
        {
            DataViewTypeManager.Register(new ImageDataViewType(), typeof(MLImage));
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException(
                "DecodeImages needs MLImage properties without attributes to mean images of any size, but this process has " +
                $"registered another type for them: {e.Message}", e);
        }
    }

    private const string BytesColumn = "EncodedImageBytes";
    private const string ImageColumn = "DecodedImage";

    /// <summary>Encoded image bytes.</summary>
    public sealed class BytesRow
    {
        /// <summary>The file's bytes.</summary>
        [VectorType] public byte[] EncodedImageBytes { get; set; } = [];
    }

    /// <summary>A decoded image.</summary>
    public sealed class ImageRow
    {
        /// <summary>The image, of whatever size the bytes hold.</summary>
        public MLImage? DecodedImage { get; set; }
    }

    /// <inheritdoc />
    public override Action<BytesRow, ImageRow> GetMapping() => static (input, output) =>
    {
        if (input.EncodedImageBytes.Length == 0)
            throw new InvalidDataException("An image column holds no bytes (an empty file?).");
        // The output row is reused from row to row; its previous image (native memory) is no longer needed.
        output.DecodedImage?.Dispose();
        output.DecodedImage = null;
        try
        {
            output.DecodedImage = MLImage.CreateFromStream(new MemoryStream(input.EncodedImageBytes, writable: false));
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{input.EncodedImageBytes.Length} bytes are not a readable image: {e.Message}", e);
        }
    };

    /// <summary>Decodes <paramref name="inputColumnName"/> (a vector of bytes) into image column <paramref name="outputColumnName"/>.</summary>
    internal static IEstimator<ITransformer> Create(MLContext context, string outputColumnName, string inputColumnName) =>
        context.Transforms.CopyColumns(BytesColumn, inputColumnName)
            .Append(context.Transforms.CustomMapping(new ImageBytesDecoding().GetMapping(), ContractName))
            .Append(context.Transforms.CopyColumns(outputColumnName, ImageColumn))
            .Append(context.Transforms.DropColumns(BytesColumn, ImageColumn));
}
