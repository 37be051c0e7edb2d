using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using EraseAtCore.Data;
using static TorchSharp.torch;

namespace EraseAtCore;

/// <summary>What a .npy header says about the array that follows it.</summary>
/// <param name="Descr">The numpy dtype string, e.g. "&lt;f4".</param>
/// <param name="FortranOrder">Whether the data is column-major.</param>
/// <param name="Shape">The array's shape (empty for a scalar).</param>
/// <param name="DataOffset">Byte offset of the first element (a multiple of 64 in files numpy writes).</param>
public sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape, long DataOffset)
{
    /// <summary>Number of elements: the product of <see cref="Shape"/>.</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// numpy's .npy files, so features, labels and CKA inputs move between this kit and Python (np.load / np.save).
/// Writes format version 1.0 exactly as numpy does (checked byte for byte against numpy 1.24's np.save): magic "\x93NUMPY", version 1 0, a little-endian
/// uint16 header length, then the header dict text padded with spaces and a newline so the data starts at a multiple
/// of 64 bytes. Reads versions 1, 2 and 3 of little-endian float32, float64 and int64 arrays in C order.
/// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
/// </summary>
public static class Npy
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    const int Align = 64;
    // numpy pads the header so the first dimension can grow to this many digits in place (np.lib.format).
    const int GrowthAxisMaxDigits = 21;

    /// <summary>
    /// Writes <paramref name="tensor"/> (float32, float64 or int64, any shape and device) to <paramref name="path"/>
    /// atomically (<see cref="AtomicFile"/>): '&lt;f4', '&lt;f8' or '&lt;i8', C order. A 2-D float32 feature matrix
    /// loads in numpy as an (n, d) float32 array, a 1-D int64 label tensor as (n,) int64.
    /// </summary>
    public static void Write(string path, Tensor tensor)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Npy writes little-endian data from a little-endian host only.");
        string descr = DescrOf(tensor.dtype)
            ?? throw new ArgumentException($"Npy.Write supports float32, float64 and int64 tensors; got {tensor.dtype}. Convert it first (e.g. .to(float32)).");
        byte[] header = Header(descr, tensor.shape);
        using var cpu = tensor.detach().cpu().contiguous();
        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            if (cpu.numel() == 0) return;   // TorchSharp cannot copy out an empty tensor; numpy writes no data bytes for it
            switch (tensor.dtype)
            {
                case ScalarType.Float32: Drain(cpu.data<float>().ToArray(), stream); break;
                case ScalarType.Float64: Drain(cpu.data<double>().ToArray(), stream); break;
                default: Drain(cpu.data<long>().ToArray(), stream); break;
            }
        });
    }

    /// <summary>
    /// The magic, version, length and padded header dict that precede the data of a C-order array, as numpy writes
    /// them, e.g. "{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 2), }" + spaces + "\n" (128 bytes in all).
    /// </summary>
    public static byte[] Header(string descr, IReadOnlyList<long> shape)
    {
        // Python's repr of a tuple: "()", "(5,)", "(3, 2)".
        string tuple = shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple}, }}";
        if (shape.Count > 0) dict += new string(' ', Math.Max(0, GrowthAxisMaxDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length));
        int prefix = Magic.Length + 2 + 2;
        int textLength = dict.Length + 1;   // + the final newline
        int pad = Align - (prefix + textLength) % Align;   // numpy adds a full 64 when already aligned; so do we
        int headerLength = textLength + pad;
        if (headerLength > ushort.MaxValue) throw new ArgumentException($"A .npy 1.0 header holds at most 65535 bytes; this shape needs {headerLength}.");
        var bytes = new byte[prefix + headerLength];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1; bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
        Encoding.ASCII.GetBytes(dict).CopyTo(bytes, prefix);
        bytes.AsSpan(prefix + dict.Length, pad).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>Reads and checks the header of a .npy file (not the data).</summary>
    /// <exception cref="DataFormatException">Not a .npy file, an unsupported version, dtype or Fortran order, or a malformed header.</exception>
    public static NpyHeader ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>
    /// Reads a .npy file of little-endian float32, float64 or int64 in C order into a CPU tensor of that dtype and shape.
    /// </summary>
    /// <exception cref="DataFormatException">The file is not such an array, or is truncated or followed by extra bytes.</exception>
    public static Tensor Read(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Npy reads little-endian data on a little-endian host only.");
        using var stream = File.OpenRead(path);
        var header = ReadHeader(stream, path);
        int itemSize = header.Descr[2] - '0';
        long expected = header.Count * itemSize, actual = stream.Length - header.DataOffset;
        if (actual < expected)
            throw new DataFormatException($"{path} is truncated: shape ({string.Join(", ", header.Shape)}) of {header.Descr} needs {expected} data bytes, the file has {actual}.");
        if (actual > expected)
            throw new DataFormatException($"{path} has {actual - expected} bytes after the {expected} bytes its header describes; it is not a single .npy array.");
        if (header.Count > Array.MaxLength) throw new DataFormatException($"{path} holds {header.Count} elements, more than one array can.");
        return header.Descr switch
        {
            "<f4" => tensor(Fill(new float[header.Count], stream), header.Shape),
            "<f8" => tensor(Fill(new double[header.Count], stream), header.Shape),
            _ => tensor(Fill(new long[header.Count], stream), header.Shape),
        };
    }

    // In chunks: a span of more than 2^31 bytes cannot be formed, and feature matrices can be that large.
    const int Chunk = 1 << 24;

    static T[] Fill<T>(T[] values, Stream stream) where T : struct
    {
        for (int start = 0; start < values.Length; start += Chunk)
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan(start, Math.Min(Chunk, values.Length - start))));
        return values;
    }

    static void Drain<T>(T[] values, Stream stream) where T : struct
    {
        for (int start = 0; start < values.Length; start += Chunk)
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan(start, Math.Min(Chunk, values.Length - start))));
    }

    static NpyHeader ReadHeader(Stream stream, string path)
    {
        Span<byte> prefix = stackalloc byte[12];
        if (stream.ReadAtLeast(prefix[..10], 10, throwOnEndOfStream: false) < 10 || !prefix[..6].SequenceEqual(Magic))
            throw new DataFormatException($"{path} is not a .npy file: it does not start with the magic bytes \\x93NUMPY.");
        byte major = prefix[6];
        long length;
        int lengthSize;
        switch (major)
        {
            case 1: length = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]); lengthSize = 2; break;
            case 2 or 3:
                if (stream.ReadAtLeast(prefix[10..12], 2, throwOnEndOfStream: false) < 2)
                    throw new DataFormatException($"{path} is truncated inside its .npy header.");
                length = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]); lengthSize = 4; break;
            default: throw new DataFormatException($"{path} is .npy format version {major}.{prefix[7]}; versions 1, 2 and 3 are supported.");
        }
        long offset = 8 + lengthSize + length;
        if (length > 1 << 20 || stream.Length < offset)
            throw new DataFormatException($"{path} is truncated or corrupt: its header claims {length} bytes, the file has {stream.Length - 8 - lengthSize} after the length field.");
        var text = new byte[length];
        stream.ReadExactly(text);
        string dict = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(text);

        string where = $"{path}: .npy header {dict.TrimEnd()}";
        var descr = Regex.Match(dict, @"['""]descr['""]\s*:\s*['""]([^'""]*)['""]");
        var fortran = Regex.Match(dict, @"['""]fortran_order['""]\s*:\s*(True|False)");
        var shape = Regex.Match(dict, @"['""]shape['""]\s*:\s*\(([^)]*)\)");
        if (!dict.TrimStart().StartsWith('{') || !fortran.Success || !shape.Success)
            throw new DataFormatException($"{where} is malformed: expected a dict with 'descr', 'fortran_order' and 'shape'.");
        if (!descr.Success || descr.Groups[1].Value is not ("<f4" or "<f8" or "<i8"))
            throw new DataFormatException($"{where}: unsupported dtype. Supported: '<f4', '<f8', '<i8' (little-endian float32, float64, int64); " +
                                          "convert in numpy with a.astype('<f4').");
        if (fortran.Groups[1].Value == "True")
            throw new DataFormatException($"{where}: Fortran (column-major) order is not supported; save np.ascontiguousarray(a) instead.");
        var dims = new List<long>();
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            dims.Add(long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long d)
                ? d : throw new DataFormatException($"{where}: shape entry '{part}' is not a non-negative integer."));
        return new NpyHeader(descr.Groups[1].Value, false, [.. dims], offset);
    }

    static string? DescrOf(ScalarType type) => type switch
    {
        ScalarType.Float32 => "<f4",
        ScalarType.Float64 => "<f8",
        ScalarType.Int64 => "<i8",
        _ => null,
    };
}
