using System.Formats.Tar;
using System.IO.Compression;
using EraseAtCore.Data;

namespace EraseAtCore.Tests.Data;

/// <summary>
/// Reads small CIFAR-10/100 files written here in the real binary layout, so every count, label and
/// pixel checked is known exactly. Each test works in its own temporary folder, removed afterwards.
/// </summary>
public sealed class CifarReaderTests : IDisposable
{
    const int PerBatch = 7;   // records per CIFAR-10 training batch
    const int TestRecords = 5; // records in the CIFAR-10 test batch / CIFAR-100 test file
    const int Cifar100Train = 9;

    readonly string _root = Path.Combine(Path.GetTempPath(), "eraseat-cifar-" + Guid.NewGuid().ToString("N"));

    public CifarReaderTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    // ---- the synthetic data: every value is a function of an image id, so expectations are computed, not copied ----

    /// <summary>Pixel value of image <paramref name="id"/>; differs by channel, row and column.</summary>
    static byte Pixel(int id, int channel, int row, int col) => (byte)(id * 11 + channel * 85 + row * 5 + col);

    static byte[] Image(int id)
    {
        var pixels = new byte[Cifar.ImageBytes];
        for (int c = 0; c < 3; c++)
            for (int r = 0; r < 32; r++)
                for (int x = 0; x < 32; x++)
                    pixels[c * 1024 + r * 32 + x] = Pixel(id, c, r, x);
        return pixels;
    }

    static int Label10(int id) => (id * 3 + 1) % 10;
    static int Fine(int id) => (id * 37 + 5) % 100;
    static int Coarse(int id) => (id * 7 + 2) % 20;

    static int TrainId10(int batch, int index) => batch * PerBatch + index; // batch 0..4
    static int TestId(int index) => 1000 + index;

    static byte[] Records10(IEnumerable<int> ids) =>
        ids.SelectMany(id => new[] { (byte)Label10(id) }.Concat(Image(id))).ToArray();

    static byte[] Records100(IEnumerable<int> ids) =>
        ids.SelectMany(id => new[] { (byte)Coarse(id), (byte)Fine(id) }.Concat(Image(id))).ToArray();

    static readonly string[] Names10 = ["Airplane", "Automobile", "Bird", "Cat", "Deer", "Dog", "Frog", "Horse", "Ship", "Truck"];

    /// <summary>The files of cifar-10-batches-bin, as (name, bytes).</summary>
    static List<(string Name, byte[] Bytes)> Cifar10Files(bool withNames = true)
    {
        var files = new List<(string, byte[])>();
        for (int b = 0; b < 5; b++)
            files.Add(($"data_batch_{b + 1}.bin", Records10(Enumerable.Range(0, PerBatch).Select(i => TrainId10(b, i)))));
        files.Add(("test_batch.bin", Records10(Enumerable.Range(0, TestRecords).Select(TestId))));
        // The published batches.meta.txt ends with blank lines; keep that quirk.
        if (withNames) files.Add(("batches.meta.txt", System.Text.Encoding.ASCII.GetBytes(string.Join("\n", Names10) + "\n\n")));
        return files;
    }

    static string[] FineNames => Enumerable.Range(0, 100).Select(i => $"fine{i}").ToArray();
    static string[] CoarseNames => Enumerable.Range(0, 20).Select(i => $"coarse{i}").ToArray();

    static List<(string Name, byte[] Bytes)> Cifar100Files() =>
    [
        ("train.bin", Records100(Enumerable.Range(0, Cifar100Train))),
        ("test.bin", Records100(Enumerable.Range(0, TestRecords).Select(TestId))),
        ("fine_label_names.txt", System.Text.Encoding.ASCII.GetBytes(string.Join("\n", FineNames) + "\n")),
        ("coarse_label_names.txt", System.Text.Encoding.ASCII.GetBytes(string.Join("\r\n", CoarseNames) + "\r\n")),
    ];

    static string WriteFolder(string folder, IEnumerable<(string Name, byte[] Bytes)> files)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(folder, name), bytes);
        return folder;
    }

    /// <summary>Writes an archive in the published layout: a directory entry, then its files.</summary>
    static void WriteArchive(string path, string folderName, IEnumerable<(string Name, byte[] Bytes)> files, bool gzip = true)
    {
        using var file = File.Create(path);
        using Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        using var tar = new TarWriter(output, TarEntryFormat.Pax);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, folderName + "/"));
        foreach (var (name, bytes) in files)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"{folderName}/{name}") { DataStream = new MemoryStream(bytes) });
    }

    static byte[] ImageOf(ImageSet set, int index) => set.Pixels.AsSpan(index * Cifar.ImageBytes, Cifar.ImageBytes).ToArray();

    DataSearch OfflineSearch(string? explicitFolder = null) => new()
    {
        ExplicitFolder = explicitFolder,
        EnvironmentFolder = null, // the machine's ERASE_CORE_DATA must not leak into tests
        CacheRoot = Path.Combine(_root, "cache"),
        SystemFoldersOverride = [],
        AllowDownload = false,
    };

    // ---- CIFAR-10 ----

    [Fact]
    public void Cifar10Folder_ReadsCountsLabelsPixelsChannelOrderAndNames()
    {
        string folder = WriteFolder(Path.Combine(_root, "cifar-10-batches-bin"), Cifar10Files());
        var lines = new List<string>();

        var data = Cifar.LoadCifar10Folder(folder, lines.Add);

        Assert.Equal("cifar10", data.Name);
        Assert.Equal(5 * PerBatch, data.Train.Count);
        Assert.Equal(TestRecords, data.Test.Count);
        Assert.Equal(Names10, data.ClassNames);
        Assert.Equal((3, 32, 32, 10), (data.Train.Channels, data.Train.Height, data.Train.Width, data.Train.ClassCount));

        // Batches are read in order 1..5, records in file order.
        var expectedTrain = Enumerable.Range(0, 5).SelectMany(b => Enumerable.Range(0, PerBatch).Select(i => Label10(TrainId10(b, i))));
        Assert.Equal(expectedTrain, data.Train.Labels);
        Assert.Equal(Enumerable.Range(0, TestRecords).Select(i => Label10(TestId(i))), data.Test.Labels);

        // Image 2 of data_batch_3: every byte, then the channel planes and row-major order explicitly.
        int index = 2 * PerBatch + 2, id = TrainId10(2, 2);
        var image = ImageOf(data.Train, index);
        Assert.Equal(Image(id), image);
        Assert.Equal(Pixel(id, 0, 0, 0), image[0]);                    // red, top-left
        Assert.Equal(Pixel(id, 0, 0, 1), image[1]);                    // red, next column
        Assert.Equal(Pixel(id, 0, 1, 0), image[32]);                   // red, next row
        Assert.Equal(Pixel(id, 1, 0, 0), image[1024]);                 // green plane starts at 1024
        Assert.Equal(Pixel(id, 2, 31, 31), image[2048 + 31 * 32 + 31]); // blue, bottom-right
        Assert.NotEqual(image[0], image[1024]);                        // the planes really differ
        Assert.Equal(Image(TestId(4)), ImageOf(data.Test, 4));

        // The counts are reported, and flagged as not the official sizes.
        var report = Assert.Single(lines);
        Assert.Contains("train 35 (data_batch_1.bin: 7,", report);
        Assert.Contains("test 5 (test_batch.bin: 5)", report);
        Assert.Contains("this copy differs", report);
    }

    [Fact]
    public void Cifar10Folder_AcceptsTheParentOfTheExtractedFolder()
    {
        WriteFolder(Path.Combine(_root, "cifar-10-batches-bin"), Cifar10Files());
        var data = Cifar.LoadCifar10Folder(_root);
        Assert.Equal(Path.Combine(_root, "cifar-10-batches-bin"), data.Location);
        Assert.Equal(5 * PerBatch, data.Train.Count);
    }

    [Fact]
    public void Cifar10Folder_WithoutNamesFile_UsesTheOfficialNames()
    {
        string folder = WriteFolder(Path.Combine(_root, "b"), Cifar10Files(withNames: false));
        var lines = new List<string>();
        var data = Cifar.LoadCifar10Folder(folder, lines.Add);
        Assert.Equal(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"], data.ClassNames);
        Assert.Contains(lines, l => l.Contains("batches.meta.txt not found"));
    }

    [Fact]
    public void Cifar10Folder_ShortNamesFile_IsAnErrorNamingIt()
    {
        string folder = WriteFolder(Path.Combine(_root, "b"), Cifar10Files());
        File.WriteAllText(Path.Combine(folder, "batches.meta.txt"), "airplane\nautomobile\nbird\n");
        var e = Assert.Throws<DataFormatException>(() => Cifar.LoadCifar10Folder(folder));
        Assert.Contains(Path.Combine(folder, "batches.meta.txt"), e.Message);
        Assert.Contains("expected 10 class names", e.Message);
        Assert.Contains("found 3", e.Message);
    }

    [Fact]
    public void Cifar10Folder_TruncatedBatch_IsAnErrorNamingTheFileAndSizes()
    {
        string folder = WriteFolder(Path.Combine(_root, "b"), Cifar10Files());
        string path = Path.Combine(folder, "data_batch_3.bin");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]); // 6 whole records and 2973 bytes

        var e = Assert.Throws<DataFormatException>(() => Cifar.LoadCifar10Folder(folder));
        Assert.Contains(path, e.Message);
        Assert.Contains($"{bytes.Length - 100} bytes", e.Message);
        Assert.Contains("3073-byte", e.Message);
        Assert.Contains("found 6 whole records and 2973 bytes left over", e.Message);
    }

    [Fact]
    public void Cifar10Folder_EmptyBatch_IsAnError()
    {
        string folder = WriteFolder(Path.Combine(_root, "b"), Cifar10Files());
        string path = Path.Combine(folder, "test_batch.bin");
        File.WriteAllBytes(path, []);
        var e = Assert.Throws<DataFormatException>(() => Cifar.LoadCifar10Folder(folder));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Cifar10Folder_LabelOutOfRange_IsAnErrorNamingFileAndRecord()
    {
        string folder = WriteFolder(Path.Combine(_root, "b"), Cifar10Files());
        string path = Path.Combine(folder, "test_batch.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[3 * 3073] = 10; // label byte of record 3
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<DataFormatException>(() => Cifar.LoadCifar10Folder(folder));
        Assert.Contains(path, e.Message);
        Assert.Contains("record 3", e.Message);
        Assert.Contains("label 10", e.Message);
        Assert.Contains("0..9", e.Message);
    }

    [Fact]
    public void Cifar10Folder_MissingBatches_AreAllNamed()
    {
        string folder = WriteFolder(Path.Combine(_root, "b"), Cifar10Files());
        File.Delete(Path.Combine(folder, "data_batch_2.bin"));
        File.Delete(Path.Combine(folder, "data_batch_5.bin"));
        var e = Assert.Throws<DataFormatException>(() => Cifar.LoadCifar10Folder(folder));
        Assert.Contains(folder, e.Message);
        Assert.Contains("missing data_batch_2.bin, data_batch_5.bin.", e.Message);
    }

    [Fact]
    public void Cifar100File_ReadAsCifar10_IsRejectedBySize()
    {
        // A CIFAR-100 record is one byte longer; 3073 * 3074 bytes would divide both, so use 7 records.
        string folder = WriteFolder(Path.Combine(_root, "b"), Cifar10Files());
        File.WriteAllBytes(Path.Combine(folder, "data_batch_1.bin"), Records100(Enumerable.Range(0, 7)));
        var e = Assert.Throws<DataFormatException>(() => Cifar.LoadCifar10Folder(folder));
        Assert.Contains("data_batch_1.bin", e.Message);
        Assert.Contains("CIFAR-100 records are 3074 bytes", e.Message);
    }

    // ---- CIFAR-100 ----

    [Fact]
    public void Cifar100Folder_FineAndCoarseLabels()
    {
        string folder = WriteFolder(Path.Combine(_root, "cifar-100-binary"), Cifar100Files());

        var fine = Cifar.LoadCifar100Folder(folder, CifarLabels.Fine);
        var coarse = Cifar.LoadCifar100Folder(folder, CifarLabels.Coarse);

        Assert.Equal(("cifar100", 100, 100), (fine.Name, fine.ClassCount, fine.Train.ClassCount));
        Assert.Equal(("cifar100-coarse", 20, 20), (coarse.Name, coarse.ClassCount, coarse.Train.ClassCount));
        Assert.Equal(FineNames, fine.ClassNames);
        Assert.Equal(CoarseNames, coarse.ClassNames); // read from a CR LF file
        Assert.Equal((Cifar100Train, TestRecords), (fine.Train.Count, fine.Test.Count));
        Assert.Equal(Enumerable.Range(0, Cifar100Train).Select(Fine), fine.Train.Labels);
        Assert.Equal(Enumerable.Range(0, Cifar100Train).Select(Coarse), coarse.Train.Labels);
        Assert.Equal(Enumerable.Range(0, TestRecords).Select(i => Fine(TestId(i))), fine.Test.Labels);
        Assert.Equal(Enumerable.Range(0, TestRecords).Select(i => Coarse(TestId(i))), coarse.Test.Labels);
        // Labels differ between the two views, pixels do not (two label bytes skipped, not one).
        Assert.NotEqual(fine.Train.Labels, coarse.Train.Labels);
        Assert.Equal(Image(6), ImageOf(fine.Train, 6));
        Assert.Equal(Image(6), ImageOf(coarse.Train, 6));
        Assert.Equal(Pixel(TestId(2), 1, 7, 9), fine.Test.Pixels[2 * 3072 + 1024 + 7 * 32 + 9]);
    }

    [Theory]
    [InlineData(0, 20, "coarse label 20", "0..19")]
    [InlineData(1, 100, "fine label 100", "0..99")]
    public void Cifar100Folder_LabelOutOfRange_IsAnErrorEitherWay(int labelByte, byte value, string found, string range)
    {
        string folder = WriteFolder(Path.Combine(_root, "c"), Cifar100Files());
        string path = Path.Combine(folder, "train.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[5 * 3074 + labelByte] = value;
        File.WriteAllBytes(path, bytes);

        // Whichever labelling is asked for: a bad byte of either kind means a corrupt file.
        foreach (var labels in new[] { CifarLabels.Fine, CifarLabels.Coarse })
        {
            var e = Assert.Throws<DataFormatException>(() => Cifar.LoadCifar100Folder(folder, labels));
            Assert.Contains(path, e.Message);
            Assert.Contains("record 5", e.Message);
            Assert.Contains(found, e.Message);
            Assert.Contains(range, e.Message);
        }
    }

    [Fact]
    public void Cifar100Folder_TruncatedTestFile_IsAnErrorNamingIt()
    {
        string folder = WriteFolder(Path.Combine(_root, "c"), Cifar100Files());
        string path = Path.Combine(folder, "test.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^1]);
        var e = Assert.Throws<DataFormatException>(() => Cifar.LoadCifar100Folder(folder, CifarLabels.Fine));
        Assert.Contains(path, e.Message);
        Assert.Contains("3074-byte", e.Message);
        Assert.Contains("found 4 whole records and 3073 bytes left over", e.Message);
    }

    // ---- locating, extracting, not finding ----

    [Theory]
    [InlineData("cifar-10-binary.tar.gz", true)]
    [InlineData("cifar-10-binary.tar", false)] // the decompressed name the manifest also accepts
    public void Cifar10Archive_IsExtractedBesideItAndReadThroughTheLocator(string archiveName, bool gzip)
    {
        string folder = Path.Combine(_root, "downloads");
        Directory.CreateDirectory(folder);
        WriteArchive(Path.Combine(folder, archiveName), "cifar-10-batches-bin", Cifar10Files(), gzip);
        var lines = new List<string>();

        var data = Cifar.LoadCifar10(OfflineSearch(folder) with { Log = lines.Add });

        string extracted = Path.Combine(folder, "cifar-10-batches-bin");
        Assert.Equal(extracted, data.Location);
        Assert.True(File.Exists(Path.Combine(extracted, "test_batch.bin")));
        Assert.Empty(Directory.GetDirectories(folder, ".*")); // no temporary folder left
        Assert.Equal(5 * PerBatch, data.Train.Count);
        Assert.Equal(Names10, data.ClassNames);
        Assert.Equal(Image(TrainId10(4, 6)), ImageOf(data.Train, 5 * PerBatch - 1));
        Assert.Contains(lines, l => l.StartsWith("extracting ", StringComparison.Ordinal));

        // Now the extracted folder alone is enough: the archive is not needed (nor re-extracted).
        File.Delete(Path.Combine(folder, archiveName));
        var again = Cifar.LoadCifar10(OfflineSearch(folder));
        Assert.Equal(data.Train.Labels, again.Train.Labels);
        Assert.Equal(data.Train.Pixels, again.Train.Pixels);
    }

    [Fact]
    public void Cifar100Archive_IsExtractedAndReadThroughTheLocator()
    {
        string folder = Path.Combine(_root, "downloads");
        Directory.CreateDirectory(folder);
        WriteArchive(Path.Combine(folder, "cifar-100-binary.tar.gz"), "cifar-100-binary", Cifar100Files());

        var data = Cifar.LoadCifar100(CifarLabels.Coarse, OfflineSearch(folder));

        Assert.Equal(Path.Combine(folder, "cifar-100-binary"), data.Location);
        Assert.Equal(Enumerable.Range(0, Cifar100Train).Select(Coarse), data.Train.Labels);
        Assert.Equal(CoarseNames, data.ClassNames);
        Assert.Equal(Image(TestId(3)), ImageOf(data.Test, 3));
    }

    [Fact]
    public void Locator_CountsAnExtractedFolderAsFound_AndTheFolderItselfToo()
    {
        string parent = Path.Combine(_root, "p");
        string batches = WriteFolder(Path.Combine(parent, "cifar-10-batches-bin"), Cifar10Files());

        Assert.Equal(parent, DataLocator.Locate(Cifar.Cifar10Manifest, OfflineSearch(parent)).Folder);
        Assert.Equal(batches, DataLocator.Locate(Cifar.Cifar10Manifest, OfflineSearch(batches)).Folder);
        // The folder given may be the extracted folder itself.
        Assert.Equal(batches, Cifar.LoadCifar10(OfflineSearch(batches)).Location);
        // CIFAR-10's folder does not satisfy CIFAR-100.
        Assert.Throws<DatasetNotFoundException>(() => DataLocator.Locate(Cifar.Cifar100Manifest, OfflineSearch(parent)));
    }

    [Fact]
    public void CorruptArchive_IsAnErrorNamingIt_AndLeavesNothingBehind()
    {
        string folder = Path.Combine(_root, "downloads");
        Directory.CreateDirectory(folder);
        string archive = Path.Combine(folder, "cifar-10-binary.tar.gz");
        WriteArchive(archive, "cifar-10-batches-bin", Cifar10Files());
        var bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<DataFormatException>(() => Cifar.LoadCifar10(OfflineSearch(folder)));

        Assert.Contains(archive, e.Message);
        Assert.Contains("unrecognised", e.Message); // its checksum is reported as not the official one
        Assert.Contains("c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", e.Message);
        Assert.False(Directory.Exists(Path.Combine(folder, "cifar-10-batches-bin")));
        Assert.Empty(Directory.GetDirectories(folder));
    }

    [Fact]
    public void WrongArchive_WithoutTheBinaryFolder_IsAnError()
    {
        string folder = Path.Combine(_root, "downloads");
        Directory.CreateDirectory(folder);
        string archive = Path.Combine(folder, "cifar-10-binary.tar.gz");
        WriteArchive(archive, "cifar-10-batches-py", [("data_batch_1", [1, 2, 3])]); // the python version's layout

        var e = Assert.Throws<DataFormatException>(() => Cifar.LoadCifar10(OfflineSearch(folder)));
        Assert.Contains(archive, e.Message);
        Assert.Contains("no files under cifar-10-batches-bin/", e.Message);
        Assert.Empty(Directory.GetDirectories(folder));
    }

    [Fact]
    public void NotFound_ListsEveryPlaceTried_IncludingTheFailedDownload()
    {
        string empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(empty);
        string env = Path.Combine(_root, "env");
        string cache = Path.Combine(_root, "cache");
        var search = new DataSearch
        {
            ExplicitFolder = empty,
            EnvironmentFolder = env,
            CacheRoot = cache,
            SystemFoldersOverride = [],
            AllowDownload = true,
            UrlOverride = _ => "http://127.0.0.1:9/none", // a refused loopback port: fails at once, offline
        };

        var e = Assert.Throws<DatasetNotFoundException>(() => Cifar.LoadCifar10(search));

        Assert.Contains($"explicit path: {empty} (missing cifar-10-binary.tar.gz)", e.Message);
        Assert.Contains($"ERASE_CORE_DATA: {Path.Combine(env, "cifar10")} (no such folder)", e.Message);
        Assert.Contains($"ERASE_CORE_DATA: {env} (no such folder)", e.Message);
        Assert.Contains($"data cache: {Path.Combine(cache, "cifar10")}", e.Message);
        Assert.Contains($"download into {Path.Combine(cache, "cifar10")}: failed", e.Message);
        Assert.Contains("cifar-10-batches-bin", e.Message); // the hint says the extracted folder works too
        Assert.False(File.Exists(Path.Combine(cache, "cifar10", "cifar-10-binary.tar.gz")));

        // CIFAR-100 the same way, with its own names.
        var e100 = Assert.Throws<DatasetNotFoundException>(() => Cifar.LoadCifar100(CifarLabels.Fine, search));
        Assert.Contains($"download into {Path.Combine(cache, "cifar100")}: failed", e100.Message);
        Assert.Contains("cifar-100-binary.tar.gz", e100.Message);
    }

    // ---- the published facts ----

    [Fact]
    public void Manifests_PinTheOfficialArchives()
    {
        var c10 = Assert.Single(Cifar.Cifar10Manifest.Files);
        Assert.Equal("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", c10.Url);
        Assert.Equal("c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", c10.Sha256);
        var c100 = Assert.Single(Cifar.Cifar100Manifest.Files);
        Assert.Equal("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", c100.Url);
        Assert.Equal("58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec", c100.Sha256);
        Assert.Empty(Cifar.Cifar10Manifest.SystemFolders);
        Assert.Empty(Cifar.Cifar100Manifest.SystemFolders);

        Assert.Equal(10, Cifar.Cifar10ClassNames.Distinct().Count());
        Assert.Equal(100, Cifar.Cifar100FineClassNames.Distinct().Count());
        Assert.Equal(20, Cifar.Cifar100CoarseClassNames.Distinct().Count());
        // Published files list the names alphabetically.
        Assert.Equal(Cifar.Cifar100FineClassNames.Order(StringComparer.Ordinal), Cifar.Cifar100FineClassNames);
        Assert.Equal(Cifar.Cifar100CoarseClassNames.Order(StringComparer.Ordinal), Cifar.Cifar100CoarseClassNames);
    }
}
