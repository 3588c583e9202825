using System.IO.Compression;
using System.IO.Hashing;

namespace BigModel.MLNet.Persistence;

/// <summary>
/// Checks a saved model before ML.NET reads it: the file must be a zip archive whose every entry decompresses to the
/// CRC-32 the archive records. ML.NET's loader reads only what it needs and never compares checksums, so without this a
/// flipped byte in a weight can load and score garbage.
/// </summary>
internal static class SavedModelCheck
{
    /// <summary>Reads every entry of the archive in <paramref name="stream"/> and compares its checksum.</summary>
    /// <param name="stream">The saved model, positioned at its start.</param>
    /// <param name="source">Names the model in messages (its path).</param>
    /// <exception cref="InvalidDataException">The file is no zip archive, or an entry is damaged (the message names the file and the entry).</exception>
    public static void Verify(Stream stream, string source)
    {
        IReadOnlyList<ZipArchiveEntry> entries;
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            entries = archive.Entries;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{source}' is not a saved model: it is not a readable zip archive ({e.Message})", e);
        }
        using (archive)
        {
            if (entries.Count == 0)
                throw new InvalidDataException($"'{source}' is not a saved model: the archive is empty.");
            foreach (var entry in entries)
                VerifyEntry(entry, source);
        }
    }

    private static void VerifyEntry(ZipArchiveEntry entry, string source)
    {
        var crc = new Crc32();
        long length = 0;
        try
        {
            using var content = entry.Open();
            var buffer = new byte[81920];
            int read;
            while ((read = content.Read(buffer)) > 0)
            {
                crc.Append(buffer.AsSpan(0, read));
                length += read;
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new InvalidDataException($"'{source}' is damaged: its entry '{entry.FullName}' cannot be read ({e.Message})", e);
        }
        if (length != entry.Length || crc.GetCurrentHashAsUInt32() != entry.Crc32)
            throw new InvalidDataException(
                $"'{source}' is damaged: its entry '{entry.FullName}' does not match the checksum the file records. Save the model again, or restore the file from a copy.");
    }
}
