using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Data;

/// <summary>
/// MNIST-format (IDX) image and label files as a data view: <c>Image</c>, a vector of Height × Width pixels scaled to
/// [0, 1], and <c>Label</c>, the label as a <c>Single</c> (map it to a key for classification). Files may be gzipped.
/// Pixels stay bytes in memory and become floats row by row.
/// </summary>
internal sealed class IdxDataView : IDataView
{
    private readonly byte[] _pixels;
    private readonly byte[] _labels;
    private readonly int _imageSize;

    public IdxDataView(string imagesPath, string labelsPath)
    {
        var (imageDims, pixels) = Read(imagesPath);
        var (labelDims, labels) = Read(labelsPath);
        if (imageDims.Length != 3)
            throw new InvalidDataException($"'{imagesPath}' holds a {imageDims.Length}-dimensional array; MNIST-format images have 3 (count, rows, columns).");
        if (labelDims.Length != 1 || labelDims[0] != imageDims[0])
            throw new InvalidDataException($"'{labelsPath}' holds {string.Join("×", labelDims)} labels for {imageDims[0]} images in '{imagesPath}'.");
        Height = imageDims[1];
        Width = imageDims[2];
        _imageSize = Height * Width;
        _pixels = pixels;
        _labels = labels;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Image", new VectorDataViewType(NumberDataViewType.Single, Height, Width));
        builder.AddColumn("Label", NumberDataViewType.Single);
        Schema = builder.ToSchema();
    }

    public int Height { get; }
    public int Width { get; }
    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => _labels.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    /// <summary>Reads an IDX file of unsigned bytes: its dimensions and its data.</summary>
    private static (int[] Dims, byte[] Data) Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The MNIST-format file '{path}' does not exist.", path);
        try
        {
            using var file = File.OpenRead(path);
            bool gzipped = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            using var stream = gzipped ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            using var reader = new BinaryReader(stream);
            byte[] magic = reader.ReadBytes(4);
            if (magic.Length < 4 || magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] is 0 or > 4)
                throw new InvalidDataException($"'{path}' is not an MNIST-format (IDX) file of unsigned bytes.");
            var dims = Enumerable.Range(0, magic[3]).Select(_ => BinaryPrimitives.ReadInt32BigEndian(reader.ReadBytes(4))).ToArray();
            long count = dims.Aggregate(1L, (a, b) => a * b);
            if (dims.Any(d => d <= 0) || count > Array.MaxLength)
                throw new InvalidDataException($"'{path}' declares dimensions {string.Join(" × ", dims)}; each must be positive and the total at most {Array.MaxLength:N0}.");
            byte[] data = reader.ReadBytes((int)count);
            if (data.Length != count)
                throw new InvalidDataException($"'{path}' ends after {data.Length} of its {count} values.");
            return (dims, data);
        }
        catch (Exception e) when (e is IOException or InvalidDataException && !e.Message.Contains(path, StringComparison.Ordinal))
        {
            // A truncated header, or a damaged gzip stream (whose own message names nothing).
            throw new InvalidDataException($"'{path}' cannot be read as an MNIST-format file: {e.Message}", e);
        }
    }

    private sealed class Cursor(IdxDataView parent) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;
        public override bool MoveNext() => ++_position < parent._labels.Length;
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            Delegate getter = column.Index == 0
                ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    var editor = VBufferEditor.Create(ref value, parent._imageSize);
                    var pixels = parent._pixels.AsSpan((int)_position * parent._imageSize, parent._imageSize);
                    for (int i = 0; i < pixels.Length; i++)
                        editor.Values[i] = pixels[i] / 255f;
                    value = editor.Commit();
                })
                : (ValueGetter<float>)((ref float value) => value = parent._labels[_position]);
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}.");
        }
    }
}
