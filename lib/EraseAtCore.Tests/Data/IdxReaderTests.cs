using System.Buffers.Binary;
using System.IO.Compression;
using EraseAtCore.Data;

namespace EraseAtCore.Tests.Data;

/// <summary>
/// The IDX reader on the committed Fashion-MNIST subset, and on damaged copies of it made in a
/// temporary folder (the committed files are never touched). Every damaged file must give a
/// <see cref="DataFormatException"/> that names the file and says what is wrong.
/// </summary>
public sealed class IdxReaderTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "eraseat-idx-" + Guid.NewGuid().ToString("N"));

    public IdxReaderTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    static readonly DataFile[] AllFiles = [FashionMnist.TrainImages, FashionMnist.TrainLabels, FashionMnist.TestImages, FashionMnist.TestLabels];

    /// <summary>Copies the four embedded files into a new folder under the temp root.</summary>
    string CopyOfMini(string name = "copy")
    {
        string folder = Path.Combine(_root, name);
        Directory.CreateDirectory(folder);
        string mini = FashionMnist.MiniFolder();
        foreach (var f in AllFiles) File.Copy(Path.Combine(mini, f.FileName), Path.Combine(folder, f.FileName));
        return folder;
    }

    static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gz.CopyTo(output);
        return output.ToArray();
    }

    static void Gzip(string path, byte[] content)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(content);
    }

    // ---- the embedded subset ----

    [Fact]
    public void EmbeddedSubset_Has6000TrainAnd1000TestImages_600And100PerClass()
    {
        var data = FashionMnist.Load(FashionMnistSource.Mini);

        Assert.Equal("fashion-mnist-mini", data.Name);
        Assert.Equal(10, data.ClassCount);
        Assert.Equal(FashionMnist.ClassNames, data.ClassNames);
        Assert.Equal(6000, data.Train.Count);
        Assert.Equal(1000, data.Test.Count);
        foreach (var set in new[] { data.Train, data.Test })
        {
            Assert.Equal((1, 28, 28, 10), (set.Channels, set.Height, set.Width, set.ClassCount));
            Assert.Equal(set.Count * 28 * 28, set.Pixels.Length);
        }
        Assert.Equal(Enumerable.Repeat(600, 10), data.Train.ClassCounts());
        Assert.Equal(Enumerable.Repeat(100, 10), data.Test.ClassCounts());
        Assert.Contains(data.Train.Pixels, b => b != 0);
        Assert.Contains(data.Test.Pixels, b => b != 0);
        // Real images, not a constant: the darkest and brightest values both occur.
        Assert.Equal(0, data.Train.Pixels.Min());
        Assert.Equal(255, data.Train.Pixels.Max());
        Assert.True(File.Exists(Path.Combine(data.Location, FashionMnist.TrainImages.FileName)));
    }

    [Fact]
    public void EmbeddedSubset_ReadPairGivesTheSameAsLoad()
    {
        string mini = FashionMnist.MiniFolder();
        var data = FashionMnist.Load();
        var test = FashionMnist.ReadPair(Path.Combine(mini, FashionMnist.TestImages.FileName), Path.Combine(mini, FashionMnist.TestLabels.FileName));
        Assert.Equal(data.Test.Labels, test.Labels);
        Assert.Equal(data.Test.Pixels, test.Pixels);
    }

    // ---- IdxFile on its own ----

    [Fact]
    public void IdxFile_WriteGzipThenRead_RoundTripsShapeAndBytes()
    {
        int[] shape = [3, 4, 5];
        var data = Enumerable.Range(0, 60).Select(i => (byte)(i * 7 + 3)).ToArray();
        string path = Path.Combine(_root, "small-idx3-ubyte.gz");

        IdxFile.WriteGzip(path, shape, data);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal((byte)0x1f, bytes[0]); // really gzip
        Assert.Equal((byte)0x8b, bytes[1]);
        var raw = Gunzip(path);
        Assert.Equal(IdxFile.ImagesMagic, BinaryPrimitives.ReadInt32BigEndian(raw));
        Assert.Equal(4 + 3 * 4 + 60, raw.Length);

        var (readShape, readData) = IdxFile.Read(path, 3);
        Assert.Equal(shape, readShape);
        Assert.Equal(data, readData);

        // One dimension (labels) too.
        string labels = Path.Combine(_root, "small-idx1-ubyte.gz");
        IdxFile.WriteGzip(labels, [4], [9, 0, 3, 7]);
        Assert.Equal(IdxFile.LabelsMagic, BinaryPrimitives.ReadInt32BigEndian(Gunzip(labels)));
        var (labelShape, labelData) = IdxFile.Read(labels, 1);
        Assert.Equal([4], labelShape);
        Assert.Equal(new byte[] { 9, 0, 3, 7 }, labelData);
        Assert.Empty(Directory.GetFiles(_root, "*.tmp")); // the atomic write left no temporary file
    }

    [Fact]
    public void IdxFile_WriteGzip_RejectsDataOfTheWrongSize()
    {
        var e = Assert.Throws<ArgumentException>(() => IdxFile.WriteGzip(Path.Combine(_root, "x.gz"), [2, 3], new byte[5]));
        Assert.Contains("holds 6 bytes", e.Message);
        Assert.False(File.Exists(Path.Combine(_root, "x.gz")));
    }

    [Fact]
    public void IdxFile_UncompressedFile_IsReadToo()
    {
        string path = Path.Combine(_root, "plain-idx1-ubyte");
        File.WriteAllBytes(path, [0, 0, 8, 1, 0, 0, 0, 3, 5, 6, 7]);
        var (shape, data) = IdxFile.Read(path, 1);
        Assert.Equal([3], shape);
        Assert.Equal(new byte[] { 5, 6, 7 }, data);
    }

    [Fact]
    public void IdxFile_HeaderWhoseSizeOverflows_IsRejected()
    {
        // 2^30 x 2^30 x 2^30 images: 2^90 bytes promised, none present. In 64-bit arithmetic the product
        // wraps to 0, which must not be mistaken for "the data is all there".
        string path = Path.Combine(_root, "huge-idx3-ubyte");
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, IdxFile.ImagesMagic);
        for (int d = 0; d < 3; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), 1 << 30);
        File.WriteAllBytes(path, header);

        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path, 3));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void IdxFile_EmptyFile_IsTooShort()
    {
        string path = Path.Combine(_root, "empty-idx1-ubyte");
        File.WriteAllBytes(path, []);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path, 1));
        Assert.Contains(path, e.Message);
        Assert.Contains("only 0 bytes", e.Message);
    }

    // ---- damaged copies of the embedded files ----

    [Fact]
    public void TruncatedGzip_IsAnErrorNamingTheFile()
    {
        string folder = CopyOfMini();
        string path = Path.Combine(folder, FashionMnist.TrainImages.FileName);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.LoadFolder(folder, "damaged"));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("fetch it again", e.Message);
    }

    [Fact]
    public void TruncatedUncompressedIdx_SaysTheHeaderPromisesMore()
    {
        string folder = CopyOfMini();
        string gz = Path.Combine(folder, FashionMnist.TestImages.FileName);
        string plain = Path.Combine(folder, "t10k-images-idx3-ubyte");
        var raw = Gunzip(gz);
        File.WriteAllBytes(plain, raw[..^100]);
        File.Delete(gz); // only the decompressed (and truncated) name remains

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.LoadFolder(folder, "damaged"));

        Assert.Contains(plain, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains($"header promises {1000 * 28 * 28} bytes", e.Message);
        Assert.Contains($"file has {1000 * 28 * 28 - 100}", e.Message);
        Assert.Contains("1000 x 28 x 28", e.Message);
    }

    [Fact]
    public void TrailingBytes_AreAnError()
    {
        string folder = CopyOfMini();
        string path = Path.Combine(folder, FashionMnist.TrainLabels.FileName);
        var raw = Gunzip(path);
        Gzip(path, [.. raw, 1, 2, 3]);

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.LoadFolder(folder, "damaged"));

        Assert.Contains(path, e.Message);
        Assert.Contains("3 unexpected bytes after the 6000 bytes", e.Message);
    }

    [Fact]
    public void LabelsFileWhereImagesAreExpected_IsAWrongMagicError()
    {
        string folder = CopyOfMini();
        string images = Path.Combine(folder, FashionMnist.TestImages.FileName);
        string labels = Path.Combine(folder, FashionMnist.TestLabels.FileName);

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.ReadPair(labels, images));

        Assert.Contains(labels, e.Message);
        Assert.Contains("magic number is 0x00000801", e.Message);
        Assert.Contains("expected 0x00000803", e.Message);
        Assert.Contains("images vs labels", e.Message);
    }

    [Fact]
    public void TrainImagesWithTestLabels_IsACountMismatch()
    {
        string folder = CopyOfMini();
        string images = Path.Combine(folder, FashionMnist.TrainImages.FileName);
        string labels = Path.Combine(folder, FashionMnist.TestLabels.FileName);

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.ReadPair(images, labels));

        Assert.Contains($"{images} holds 6000 images", e.Message);
        Assert.Contains($"{labels} holds 1000 labels", e.Message);
        Assert.Contains("do not belong together", e.Message);
    }

    [Fact]
    public void LabelOutsideTheTenClasses_IsAnErrorNamingFileAndPosition()
    {
        string folder = CopyOfMini();
        string path = Path.Combine(folder, FashionMnist.TestLabels.FileName);
        var raw = Gunzip(path);
        raw[8 + 417] = 10; // label of image 417 (after the 8-byte header)
        Gzip(path, raw);

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.LoadFolder(folder, "damaged"));

        Assert.Contains(path, e.Message);
        Assert.Contains("label 10 at position 417", e.Message);
        Assert.Contains("0..9", e.Message);

        raw[8 + 417] = 255;
        Gzip(path, raw);
        Assert.Contains("label 255 at position 417", Assert.Throws<DataFormatException>(() => FashionMnist.LoadFolder(folder, "damaged")).Message);
    }

    [Fact]
    public void RandomGarbage_IsNotMistakenForIdx()
    {
        string folder = CopyOfMini();
        string path = Path.Combine(folder, FashionMnist.TrainImages.FileName);
        var garbage = new byte[5000];
        new Random(1234).NextBytes(garbage);
        garbage[0] = 0x42; // certainly not the gzip magic 1f 8b, nor the IDX magic 00 00
        File.WriteAllBytes(path, garbage);

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.LoadFolder(folder, "damaged"));

        Assert.Contains(path, e.Message);
        Assert.Contains("IDX magic number is 0x42", e.Message);
        Assert.Contains("is it an IDX file at all", e.Message);
    }

    [Fact]
    public void GzipMagicFollowedByGarbage_IsAnUnreadableGzipError()
    {
        string folder = CopyOfMini();
        string path = Path.Combine(folder, FashionMnist.TestLabels.FileName);
        var garbage = new byte[2000];
        new Random(99).NextBytes(garbage);
        garbage[0] = 0x1f; garbage[1] = 0x8b; garbage[2] = 8; garbage[3] = 0; // a gzip header, then noise
        File.WriteAllBytes(path, garbage);

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.LoadFolder(folder, "damaged"));

        Assert.Contains(path, e.Message);
        Assert.Contains("not a readable gzip file", e.Message);
    }

    [Fact]
    public void MissingFile_IsNamed()
    {
        string folder = CopyOfMini();
        string path = Path.Combine(folder, FashionMnist.TestLabels.FileName);
        File.Delete(path);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.LoadFolder(folder, "damaged"));
        Assert.Contains(path, e.Message);
        Assert.Contains("file not found", e.Message);
    }

    // ---- decompressed copies ----

    [Fact]
    public void DecompressedCopies_LoadThroughLoadFolder_WithTheSameContent()
    {
        string folder = Path.Combine(_root, "plain");
        Directory.CreateDirectory(folder);
        string mini = FashionMnist.MiniFolder();
        foreach (var f in AllFiles)
            File.WriteAllBytes(Path.Combine(folder, f.FileName[..^3]), Gunzip(Path.Combine(mini, f.FileName)));
        Assert.Empty(Directory.GetFiles(folder, "*.gz"));

        var plain = FashionMnist.LoadFolder(folder, "plain");
        var embedded = FashionMnist.Load();

        Assert.Equal(6000, plain.Train.Count);
        Assert.Equal(1000, plain.Test.Count);
        Assert.Equal(embedded.Train.Labels, plain.Train.Labels);
        Assert.Equal(embedded.Train.Pixels, plain.Train.Pixels);
        Assert.Equal(embedded.Test.Labels, plain.Test.Labels);
        Assert.Equal(embedded.Test.Pixels, plain.Test.Pixels);
        Assert.Equal(folder, plain.Location);
    }
}
