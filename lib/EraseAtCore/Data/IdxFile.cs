using System.Buffers.Binary;
using System.IO.Compression;

namespace EraseAtCore.Data;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST: two zero bytes, a type code (0x08 = unsigned byte),
/// the number of dimensions, each dimension as a big-endian int32, then the data. Files are usually
/// gzip-compressed; both forms are read.
/// </summary>
public static class IdxFile
{
    /// <summary>Magic number of an image file (3 dimensions of unsigned bytes).</summary>
    public const int ImagesMagic = 0x00000803;
    /// <summary>Magic number of a label file (1 dimension of unsigned bytes).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an IDX file of unsigned bytes, checking its magic and that its size matches its header.</summary>
    /// <param name="path">The .gz (or uncompressed) file.</param>
    /// <param name="expectedDimensions">1 for labels, 3 for images.</param>
    public static (int[] Shape, byte[] Data) Read(string path, int expectedDimensions)
    {
        byte[] raw;
        try { raw = Decompress(path); }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException and not FileNotFoundException)
        {
            throw new DataFormatException(
                $"{path}: not a readable gzip file ({e.Message}). It is probably truncated or corrupt: delete it and " +
                "fetch it again (reinstall the dataset package, or rerun the download).", e);
        }
        if (raw.Length < 4)
            throw new DataFormatException($"{path}: only {raw.Length} bytes, too short for an IDX header. The file is truncated: fetch it again.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(raw);
        int wantedMagic = 0x0800 | expectedDimensions;
        if (magic != wantedMagic)
            throw new DataFormatException(
                $"{path}: IDX magic number is 0x{magic:x8}, expected 0x{wantedMagic:x8} " +
                $"({(expectedDimensions == 1 ? "labels" : "images")}, unsigned bytes, {expectedDimensions} dimensions). " +
                "Is this the right file (images vs labels), and is it an IDX file at all?");
        int headerBytes = 4 + 4 * expectedDimensions;
        if (raw.Length < headerBytes)
            throw new DataFormatException($"{path}: header needs {headerBytes} bytes, file has {raw.Length}. The file is truncated: fetch it again.");
        var shape = new int[expectedDimensions];
        long count = 1;
        for (int d = 0; d < expectedDimensions; d++)
        {
            shape[d] = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(4 + 4 * d));
            if (shape[d] <= 0)
                throw new DataFormatException($"{path}: dimension {d} is {shape[d]}; IDX dimensions must be positive. The file is corrupt.");
            // Past the file's size the product can only grow; capping it also rules out overflow.
            count = Math.Min(count * shape[d], long.MaxValue / int.MaxValue);
        }
        long have = raw.LongLength - headerBytes;
        if (have < count)
            throw new DataFormatException(
                $"{path}: header promises {ExactSize(shape)} bytes of data ({string.Join(" x ", shape)}), file has {have}. " +
                "The file is truncated: fetch it again.");
        if (have > count)
            throw new DataFormatException(
                $"{path}: {have - count} unexpected bytes after the {count} bytes the header describes. The file is corrupt or not IDX.");
        return (shape, raw.AsSpan(headerBytes).ToArray());
    }

    /// <summary>Writes an IDX file of unsigned bytes, gzip-compressed, atomically (temp file, then move).</summary>
    public static void WriteGzip(string path, int[] shape, ReadOnlySpan<byte> data)
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count != data.Length)
            throw new ArgumentException($"shape {string.Join("x", shape)} holds {count} bytes, data has {data.Length}.");
        var header = new byte[4 + 4 * shape.Length];
        BinaryPrimitives.WriteInt32BigEndian(header, 0x0800 | shape.Length);
        for (int d = 0; d < shape.Length; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), shape[d]);
        var bytes = data.ToArray();
        AtomicFile.Write(path, stream =>
        {
            // mtime-free gzip header: the same data always gives the same bytes (stable checksums).
            using var gz = new GZipStream(stream, CompressionLevel.SmallestSize, leaveOpen: true);
            gz.Write(header);
            gz.Write(bytes);
        });
    }

    static string ExactSize(int[] shape) =>
        shape.Aggregate(System.Numerics.BigInteger.One, (p, d) => p * d).ToString();

    static byte[] Decompress(string path)
    {
        using var file = File.OpenRead(path);
        var magic = new byte[2];
        int n = file.Read(magic, 0, 2);
        file.Position = 0;
        using var output = new MemoryStream();
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            gz.CopyTo(output);
        }
        else
        {
            file.CopyTo(output);
        }
        return output.ToArray();
    }
}
