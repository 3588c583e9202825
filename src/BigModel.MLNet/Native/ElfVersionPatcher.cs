using System.Buffers.Binary;
using System.Text;

namespace BigModel.MLNet.Native;

/// <summary>
/// Marks named symbol-version requirements of an ELF64 shared library as weak, so that the
/// dynamic loader accepts the library on a host whose libraries lack those versions.
/// </summary>
/// <remarks>
/// Only safe for versions that no relocation actually uses: <c>libLibTorchSharp.so</c> from
/// TorchSharp 0.107.0 references <c>GLIBCXX_3.4.32</c> for <c>std::ios_base_library_init</c>,
/// which GCC 13 headers pull in but nothing calls. See docs/native-loading.md.
/// </remarks>
internal static class ElfVersionPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Sets the weak flag on every version requirement named in <paramref name="versions"/>.</summary>
    /// <returns>How many requirements were changed (zero when already weak or absent).</returns>
    public static int MarkWeak(byte[] elf, IReadOnlyCollection<string> versions)
    {
        var span = elf.AsSpan();
        if (elf.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (span[4] != 2 || span[5] != 1)
            throw new InvalidDataException("Only little-endian ELF64 libraries are supported.");

        ulong sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        ushort sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        ushort sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);

        int changed = 0;
        for (int i = 0; i < sectionCount; i++)
        {
            var header = span.Slice(checked((int)sectionTable + i * sectionSize), sectionSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != ShtGnuVerneed)
                continue;

            int offset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]));
            int entryCount = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]); // sh_info
            uint linkedStrings = BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);   // sh_link
            var stringsHeader = span.Slice(checked((int)sectionTable + (int)linkedStrings * sectionSize), sectionSize);
            int stringsOffset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(stringsHeader[0x18..]));

            int need = offset;
            for (int n = 0; n < entryCount; n++)
            {
                ushort auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
                int aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
                for (int a = 0; a < auxCount; a++)
                {
                    string name = ReadString(span, stringsOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..]));
                    var flags = span.Slice(aux + 4, 2);
                    ushort value = BinaryPrimitives.ReadUInt16LittleEndian(flags);
                    if (versions.Contains(name) && (value & VerFlagWeak) == 0)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(flags, (ushort)(value | VerFlagWeak));
                        changed++;
                    }
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
                }
                need += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
            }
        }
        return changed;
    }

    private static string ReadString(ReadOnlySpan<byte> data, int start)
    {
        int end = data[start..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(data.Slice(start, end));
    }
}
