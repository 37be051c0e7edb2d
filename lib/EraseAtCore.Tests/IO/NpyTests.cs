using System.Buffers.Binary;
using System.Text;
using EraseAtCore.Data;
using EraseAtCore.Runtime;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.IO;

/// <summary>.npy files: round trips, the exact bytes numpy writes, and clear errors for what is not supported.</summary>
public sealed class NpyTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("npy-").FullName;

    public NpyTests() => TorchRuntime.EnsureLoaded();
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Float32_matrix_and_int64_labels_round_trip_exactly()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var features = randn(37, 5);
        var labels = randint(0, 10, [37], dtype: int64);
        var doubles = randn(3, 4, 2, dtype: float64);
        Npy.Write(PathOf("f.npy"), features);
        Npy.Write(PathOf("l.npy"), labels);
        Npy.Write(PathOf("d.npy"), doubles);
        var f = Npy.Read(PathOf("f.npy"));
        var l = Npy.Read(PathOf("l.npy"));
        var d = Npy.Read(PathOf("d.npy"));
        Assert.Equal(ScalarType.Float32, f.dtype);
        Assert.Equal(new long[] { 37, 5 }, f.shape);
        Assert.Equal(features.data<float>().ToArray(), f.data<float>().ToArray());
        Assert.Equal(ScalarType.Int64, l.dtype);
        Assert.Equal(new long[] { 37 }, l.shape);
        Assert.Equal(labels.data<long>().ToArray(), l.data<long>().ToArray());
        Assert.Equal(new long[] { 3, 4, 2 }, d.shape);
        Assert.Equal(doubles.data<double>().ToArray(), d.data<double>().ToArray());
        Assert.Equal(new[] { "d.npy", "f.npy", "l.npy" }, Directory.GetFiles(_dir).Select(Path.GetFileName).Order().ToArray());   // no temporary files left
    }

    [Fact]
    public void Non_contiguous_and_empty_tensors_round_trip()
    {
        using var scope = NewDisposeScope();
        var transposed = arange(12, dtype: float32).reshape(3, 4).t();   // a view: written in its logical (C) order
        Npy.Write(PathOf("t.npy"), transposed);
        Assert.Equal(new float[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, Npy.Read(PathOf("t.npy")).data<float>().ToArray());
        Npy.Write(PathOf("e.npy"), zeros(0, 7));
        var empty = Npy.Read(PathOf("e.npy"));
        Assert.Equal(new long[] { 0, 7 }, empty.shape);
        Assert.Equal(128, new FileInfo(PathOf("e.npy")).Length);
    }

    [Fact]
    public void Header_has_the_bytes_numpy_writes()
    {
        // np.save of np.arange(6, dtype='<f4').reshape(3, 2) (numpy 1.24): magic \x93NUMPY, version 1.0, header length 118
        // as little-endian uint16, the dict text (numpy pads 21 - len("3") spaces so the first axis can grow in place),
        // spaces to 127 bytes, '\n'; the data starts at byte 128, a multiple of 64.
        using var scope = NewDisposeScope();
        Npy.Write(PathOf("a.npy"), arange(6, dtype: float32).reshape(3, 2));
        byte[] bytes = File.ReadAllBytes(PathOf("a.npy"));
        Assert.Equal(128 + 6 * 4, bytes.Length);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 118, 0 }, bytes[..10]);
        const string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }";
        string header = Encoding.ASCII.GetString(bytes, 10, 118);
        Assert.Equal(dict + new string(' ', 118 - dict.Length - 1) + "\n", header);
        for (int i = 0; i < 6; i++)
            Assert.Equal((float)i, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(128 + 4 * i)));
    }

    [Theory]
    [InlineData(new long[] { 5 }, "(5,)")]
    [InlineData(new long[] { 12345, 7 }, "(12345, 7)")]
    [InlineData(new long[] { 0 }, "(0,)")]
    [InlineData(new long[0], "()")]
    [InlineData(new long[] { 2, 3, 4, 5, 6, 7, 8, 9 }, "(2, 3, 4, 5, 6, 7, 8, 9)")]
    public void Every_header_is_64_byte_aligned_and_padded_with_spaces(long[] shape, string tuple)
    {
        byte[] header = Npy.Header("<i8", shape);
        Assert.Equal(0, header.Length % 64);
        Assert.Equal(header.Length - 10, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)));
        string text = Encoding.ASCII.GetString(header, 10, header.Length - 10);
        string dict = $"{{'descr': '<i8', 'fortran_order': False, 'shape': {tuple}, }}";
        Assert.StartsWith(dict, text);
        Assert.EndsWith("\n", text);
        Assert.True(text[dict.Length..^1].All(c => c == ' '));
    }

    [Fact]
    public void A_version_2_header_with_keys_in_another_order_is_read()
    {
        const string dict = "{'shape': (2,), 'fortran_order': False, 'descr': '<i8'}";
        var text = Encoding.ASCII.GetBytes(dict.PadRight(128 - 12 - 1) + "\n");
        var file = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0 };
        file.AddRange(BitConverter.GetBytes((uint)text.Length));
        file.AddRange(text);
        file.AddRange(BitConverter.GetBytes(-3L));
        file.AddRange(BitConverter.GetBytes(long.MaxValue));
        File.WriteAllBytes(PathOf("v2.npy"), file.ToArray());
        using var t = Npy.Read(PathOf("v2.npy"));
        Assert.Equal(new[] { -3L, long.MaxValue }, t.data<long>().ToArray());
        Assert.Equal(128, Npy.ReadHeader(PathOf("v2.npy")).DataOffset);
    }

    // A version 1.0 file with the given header dict and data bytes.
    string Handmade(string name, string dict, int dataBytes, byte major = 1)
    {
        byte[] header = Encoding.ASCII.GetBytes(dict.PadRight(117) + "\n");
        var file = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0, (byte)header.Length, 0 };
        file.AddRange(header);
        file.AddRange(new byte[dataBytes]);
        File.WriteAllBytes(PathOf(name), file.ToArray());
        return PathOf(name);
    }

    [Theory]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (3, 2), }", 24, "unsupported dtype")]
    [InlineData("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }", 24, "unsupported dtype")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", 12, "unsupported dtype")]
    [InlineData("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }", 48, "Fortran")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", 23, "truncated")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", 28, "after")]
    [InlineData("{'descr': '<f4', 'shape': (3, 2), }", 24, "malformed")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -2), }", 24, "'-2'")]
    public void Unsupported_or_damaged_files_fail_with_a_data_format_error(string dict, int dataBytes, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => Npy.Read(Handmade("bad.npy", dict, dataBytes)));
        Assert.Contains(expected, e.Message);
        Assert.Contains("bad.npy", e.Message);
    }

    [Fact]
    public void Bad_magic_unknown_version_and_a_cut_header_fail_clearly()
    {
        File.WriteAllBytes(PathOf("png.npy"), [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 0]);
        Assert.Contains("magic", Assert.Throws<DataFormatException>(() => Npy.Read(PathOf("png.npy"))).Message);
        File.WriteAllBytes(PathOf("short.npy"), [0x93, (byte)'N', (byte)'U']);
        Assert.Contains("magic", Assert.Throws<DataFormatException>(() => Npy.Read(PathOf("short.npy"))).Message);
        string v9 = Handmade("v9.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4, major: 9);
        Assert.Contains("version 9", Assert.Throws<DataFormatException>(() => Npy.Read(v9)).Message);
        var cut = File.ReadAllBytes(Handmade("cut.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4))[..60];
        File.WriteAllBytes(PathOf("cut.npy"), cut);
        Assert.Contains("truncated", Assert.Throws<DataFormatException>(() => Npy.Read(PathOf("cut.npy"))).Message);
    }

    [Fact]
    public void Writing_an_unsupported_dtype_fails_and_leaves_no_file()
    {
        using var t = ones(3, dtype: int32);
        Assert.Contains("float32, float64 and int64", Assert.Throws<ArgumentException>(() => Npy.Write(PathOf("i.npy"), t)).Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
