using System.IO.Compression;
using System.Text;
using BigModel.MLNet.Engine;

namespace BigModel.MLNet.Examples;

/// <summary>
/// Draws a model's training curves (training loss, validation loss, validation accuracy, each scaled to its own
/// range) as a small PNG, with no imaging library: a pixel canvas and a minimal PNG encoder.
/// </summary>
internal static class TrainingCurvesChart
{
    private const int Width = 640, Height = 360, Margin = 30;

    public static void Save(TrainingHistory history, string path)
    {
        var canvas = new byte[Width * Height * 3];
        Array.Fill(canvas, (byte)255);
        Line(canvas, Margin, Height - Margin, Width - Margin, Height - Margin, (0, 0, 0));
        Line(canvas, Margin, Margin, Margin, Height - Margin, (0, 0, 0));
        Plot(canvas, history.Epochs.Select(e => (double?)e.TrainingLoss).ToList(), (31, 119, 180));
        Plot(canvas, history.Epochs.Select(e => e.ValidationLoss).ToList(), (255, 127, 14));
        Plot(canvas, history.Epochs.Select(e => e.ValidationAccuracy).ToList(), (44, 160, 44));
        File.WriteAllBytes(path, Png(canvas));
    }

    private static void Plot(byte[] canvas, IReadOnlyList<double?> values, (byte R, byte G, byte B) colour)
    {
        var known = values.Select((v, i) => (v, i)).Where(p => p.v is not null).Select(p => (Value: p.v!.Value, Epoch: p.i)).ToList();
        if (known.Count < 2)
            return;
        double low = known.Min(p => p.Value), high = known.Max(p => p.Value), span = Math.Max(high - low, 1e-12);
        int X(int epoch) => Margin + epoch * (Width - 2 * Margin) / Math.Max(1, values.Count - 1);
        int Y(double value) => Height - Margin - (int)((value - low) / span * (Height - 2 * Margin));
        for (int k = 1; k < known.Count; k++)
            Line(canvas, X(known[k - 1].Epoch), Y(known[k - 1].Value), X(known[k].Epoch), Y(known[k].Value), colour);
    }

    private static void Line(byte[] canvas, int x0, int y0, int x1, int y1, (byte R, byte G, byte B) colour)
    {
        int steps = Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0)) + 1;
        for (int s = 0; s <= steps; s++)
        {
            int x = x0 + (x1 - x0) * s / steps, y = y0 + (y1 - y0) * s / steps;
            for (int dy = 0; dy < 2; dy++)
            {
                int offset = ((Math.Clamp(y + dy, 0, Height - 1) * Width) + Math.Clamp(x, 0, Width - 1)) * 3;
                (canvas[offset], canvas[offset + 1], canvas[offset + 2]) = colour;
            }
        }
    }

    private static byte[] Png(byte[] rgb)
    {
        using var raw = new MemoryStream();
        for (int y = 0; y < Height; y++)
        {
            raw.WriteByte(0); // filter: none
            raw.Write(rgb, y * Width * 3, Width * 3);
        }
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(raw.ToArray());

        using var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, Width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
