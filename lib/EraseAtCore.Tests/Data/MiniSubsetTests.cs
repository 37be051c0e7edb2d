using System.Text.Json;
using EraseAtCore.Data;

namespace EraseAtCore.Tests.Data;

/// <summary>
/// The stratified sampler and the `data make-mini` writer, on synthetic data written as real IDX files,
/// and (where the Debian package is installed) the proof that the committed subset is reproducible.
/// Every test works in its own temporary folder, removed afterwards.
/// </summary>
public sealed class MiniSubsetTests : IDisposable
{
    const string SystemFolder = "/usr/share/datasets/fashion-mnist"; // Debian package dataset-fashion-mnist
    const int FullTrainPerClass = 30, FullTestPerClass = 12;

    readonly string _root = Path.Combine(Path.GetTempPath(), "eraseat-mini-" + Guid.NewGuid().ToString("N"));

    public MiniSubsetTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    static readonly DataFile[] AllFiles = [FashionMnist.TrainImages, FashionMnist.TrainLabels, FashionMnist.TestImages, FashionMnist.TestLabels];

    /// <summary>Label of image i: classes interleaved unevenly, so sorting and sampling really matter.</summary>
    static int Label(int i, int classes) => (i * 3 + i / 7) % classes;

    /// <summary>A set whose image i has its index in its first two bytes and its label in the third.</summary>
    static ImageSet Numbered(int n, int classes, int side = 2)
    {
        int size = side * side;
        var pixels = new byte[n * size];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = Label(i, classes);
            pixels[i * size] = (byte)(i % 256);
            pixels[i * size + 1] = (byte)(i / 256);
            pixels[i * size + 2] = (byte)labels[i];
            for (int k = 3; k < size; k++) pixels[i * size + k] = (byte)((i * 13 + k * 7) % 256);
        }
        return new ImageSet(pixels, labels, 1, side, side, classes);
    }

    static int[] Ids(ImageSet set) =>
        Enumerable.Range(0, set.Count).Select(i => set.Pixels[i * set.ImageBytes] + 256 * set.Pixels[i * set.ImageBytes + 1]).ToArray();

    // ---- Stratified ----

    [Fact]
    public void Stratified_TakesExactlyPerClass_InOriginalOrder_WithTheirPixels()
    {
        var set = Numbered(200, 5);
        Assert.All(set.ClassCounts(), c => Assert.True(c >= 30));

        var subset = MiniSubset.Stratified(set, 7, seed: 1);

        Assert.Equal(35, subset.Count);
        Assert.Equal(Enumerable.Repeat(7, 5), subset.ClassCounts());
        var ids = Ids(subset);
        Assert.Equal(ids.Order(), ids);            // original order kept
        Assert.Equal(35, ids.Distinct().Count());  // no image twice
        Assert.All(ids, i => Assert.InRange(i, 0, 199));
        Assert.Equal(ids.Select(i => set.Labels[i]), subset.Labels);
        for (int k = 0; k < subset.Count; k++)
            Assert.Equal(set.Pixels.AsSpan(ids[k] * 4, 4).ToArray(), subset.Pixels.AsSpan(k * 4, 4).ToArray());
        Assert.Equal((1, 2, 2, 5), (subset.Channels, subset.Height, subset.Width, subset.ClassCount));
    }

    [Fact]
    public void Stratified_IsDeterministicBySeed()
    {
        var set = Numbered(200, 5);
        var a = Ids(MiniSubset.Stratified(set, 10, seed: 4));
        var b = Ids(MiniSubset.Stratified(set, 10, seed: 4));
        var c = Ids(MiniSubset.Stratified(set, 10, seed: 5));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // A real sample, not the first ten of each class.
        var firstTen = Enumerable.Range(0, 5).SelectMany(k => set.IndicesWhere(l => l == k).Take(10)).Order();
        Assert.NotEqual(firstTen, a);
        // Same sample, computed the documented way: per class in label order, shuffle with one seeded Random, take the first n.
        var rng = new Random(4);
        var expected = new List<int>();
        for (int k = 0; k < 5; k++)
        {
            var ofClass = set.IndicesWhere(l => l == k);
            rng.Shuffle(ofClass);
            expected.AddRange(ofClass.Take(10));
        }
        Assert.Equal(expected.Order(), a);
    }

    [Fact]
    public void Stratified_TakingAWholeClass_KeepsEveryImageOfIt()
    {
        var set = Numbered(50, 5);
        int smallest = set.ClassCounts().Min();
        var subset = MiniSubset.Stratified(set, smallest, seed: 0);
        int smallClass = Array.IndexOf(set.ClassCounts(), smallest);
        Assert.Equal(set.IndicesWhere(l => l == smallClass), Ids(subset).Where(i => set.Labels[i] == smallClass));
    }

    [Fact]
    public void Stratified_TooFewImagesOfAClass_IsAnErrorNamingIt()
    {
        var set = Numbered(50, 5);
        var counts = set.ClassCounts();
        int smallest = counts.Min(), smallClass = Array.IndexOf(counts, smallest);

        var e = Assert.Throws<ArgumentException>(() => MiniSubset.Stratified(set, smallest + 1, 0, "train set"));

        Assert.Contains($"The train set has only {smallest} images of class {smallClass}", e.Message);
        Assert.Contains($"cannot take {smallest + 1}", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => MiniSubset.Stratified(set, 0, 0));
    }

    [Fact]
    public void Stratified_AbsentClass_IsAnError()
    {
        // Class 3 of 4 never occurs.
        var set = new ImageSet(new byte[6], [0, 1, 2, 0, 1, 2], 1, 1, 1, 4);
        var e = Assert.Throws<ArgumentException>(() => MiniSubset.Stratified(set, 1, 0));
        Assert.Contains("only 0 images of class 3", e.Message);
    }

    // ---- Make ----

    /// <summary>Writes a synthetic "full" Fashion-MNIST (28x28, 10 classes) as the four IDX files.</summary>
    string WriteSyntheticFull()
    {
        string folder = Path.Combine(_root, "full");
        void Write(DataFile images, DataFile labels, int perClass, int salt)
        {
            int n = perClass * 10;
            // Every run of ten images holds each class once, in a shifting order: exactly perClass per class.
            var label = Enumerable.Range(0, n).Select(i => (byte)((i * 3 + i / 10) % 10)).ToArray();
            var pixels = new byte[n * 784];
            for (int i = 0; i < n; i++)
            {
                pixels[i * 784] = (byte)(i % 256);
                pixels[i * 784 + 1] = (byte)(i / 256);
                pixels[i * 784 + 2] = label[i];
                for (int k = 3; k < 784; k++) pixels[i * 784 + k] = (byte)((i * 31 + k * salt) % 256);
            }
            IdxFile.WriteGzip(Path.Combine(folder, images.FileName), [n, 28, 28], pixels);
            IdxFile.WriteGzip(Path.Combine(folder, labels.FileName), [n], label);
        }
        Write(FashionMnist.TrainImages, FashionMnist.TrainLabels, FullTrainPerClass, 5);
        Write(FashionMnist.TestImages, FashionMnist.TestLabels, FullTestPerClass, 11);
        return folder;
    }

    [Fact]
    public void Make_WritesALoadableStratifiedSubset_AndAManifestWithChecksums()
    {
        string full = WriteSyntheticFull();
        var source = FashionMnist.LoadFolder(full, "full");
        Assert.Equal(Enumerable.Repeat(FullTrainPerClass, 10), source.Train.ClassCounts());
        string output = Path.Combine(_root, "mini");

        var manifest = MiniSubset.Make(full, output, trainPerClass: 5, testPerClass: 2, seed: 3);

        var mini = FashionMnist.LoadFolder(output, "mini");
        Assert.Equal((50, 20), (mini.Train.Count, mini.Test.Count));
        Assert.Equal(Enumerable.Repeat(5, 10), mini.Train.ClassCounts());
        Assert.Equal(Enumerable.Repeat(2, 10), mini.Test.ClassCounts());
        // Exactly the images Stratified picks (train with the seed, test with seed + 1), pixels and all.
        var train = MiniSubset.Stratified(source.Train, 5, 3);
        var test = MiniSubset.Stratified(source.Test, 2, 4);
        Assert.Equal(train.Pixels, mini.Train.Pixels);
        Assert.Equal(train.Labels, mini.Train.Labels);
        Assert.Equal(test.Pixels, mini.Test.Pixels);
        Assert.Equal(test.Labels, mini.Test.Labels);

        // The manifest, returned and on disk.
        Assert.Equal(["manifest.json", .. AllFiles.Select(f => f.FileName).Order(StringComparer.Ordinal)],
            Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var onDisk = JsonSerializer.Deserialize<MiniSubsetManifest>(File.ReadAllText(Path.Combine(output, "manifest.json")))!;
        foreach (var m in new[] { manifest, onDisk })
        {
            Assert.Equal("fashion-mnist-mini", m.Name);
            Assert.Equal((5, 2, 3), (m.TrainPerClass, m.TestPerClass, m.Seed));
            Assert.Equal(4, m.SourceSha256.Count);
            Assert.Equal(4, m.Sha256.Count);
            foreach (var f in AllFiles)
            {
                Assert.Equal(DataLocator.Sha256Of(Path.Combine(full, f.FileName)), m.SourceSha256[f.FileName]);
                Assert.Equal(DataLocator.Sha256Of(Path.Combine(output, f.FileName)), m.Sha256[f.FileName]);
                Assert.Matches("^[0-9a-f]{64}$", m.Sha256[f.FileName]);
            }
            Assert.Contains("--train-per-class 5 --test-per-class 2 --seed 3", m.Command);
        }
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "manifest.json")));
        Assert.Equal(5, json.RootElement.GetProperty("train_per_class").GetInt32());
        Assert.Equal(64, json.RootElement.GetProperty("source_sha256").GetProperty("train-images-idx3-ubyte.gz").GetString()!.Length);
    }

    [Fact]
    public void Make_TwiceGivesIdenticalFiles()
    {
        string full = WriteSyntheticFull();
        string a = Path.Combine(_root, "a"), b = Path.Combine(_root, "b");

        MiniSubset.Make(full, a, 5, 2, seed: 0);
        MiniSubset.Make(full, b, 5, 2, seed: 0);

        foreach (var name in AllFiles.Select(f => f.FileName).Append("manifest.json"))
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, name)), File.ReadAllBytes(Path.Combine(b, name)));

        // Again into the same folder (overwriting): still the same bytes, and no temporary file left.
        MiniSubset.Make(full, a, 5, 2, seed: 0);
        foreach (var name in AllFiles.Select(f => f.FileName).Append("manifest.json"))
            Assert.Equal(File.ReadAllBytes(Path.Combine(b, name)), File.ReadAllBytes(Path.Combine(a, name)));
        Assert.Equal(5, Directory.GetFiles(a, "*", SearchOption.AllDirectories).Length);

        // Another seed gives another sample.
        string c = Path.Combine(_root, "c");
        MiniSubset.Make(full, c, 5, 2, seed: 1);
        Assert.NotEqual(FashionMnist.LoadFolder(a, "a").Train.Pixels, FashionMnist.LoadFolder(c, "c").Train.Pixels);
    }

    [Fact]
    public void Make_AskingForMoreThanTheSourceHas_FailsBeforeWriting()
    {
        string full = WriteSyntheticFull();
        string output = Path.Combine(_root, "too-many");
        var e = Assert.Throws<ArgumentException>(() => MiniSubset.Make(full, output, trainPerClass: FullTrainPerClass + 1, testPerClass: 2));
        Assert.Contains($"only {FullTrainPerClass} images of class 0", e.Message);
        Assert.False(Directory.Exists(output));
    }

    // ---- the committed subset is reproducible ----

    [Fact]
    public void CommittedSubset_IsWhatTheCommittedCommandMakesFromTheFullSet()
    {
        // Needs the full set from the Debian package dataset-fashion-mnist; where it is not installed
        // the test returns at once (xunit 2 has no runtime skip).
        if (!Directory.Exists(SystemFolder)) return;

        string output = Path.Combine(_root, "regenerated");
        var manifest = MiniSubset.Make(SystemFolder, output, seed: 0); // the defaults: 600 / 100 per class

        var regenerated = FashionMnist.LoadFolder(output, "regenerated");
        var committed = FashionMnist.Load(FashionMnistSource.Mini);
        Assert.Equal(committed.Train.Labels, regenerated.Train.Labels);
        Assert.Equal(committed.Train.Pixels, regenerated.Train.Pixels);
        Assert.Equal(committed.Test.Labels, regenerated.Test.Labels);
        Assert.Equal(committed.Test.Pixels, regenerated.Test.Pixels);

        // The committed manifest describes the same recipe.
        var recorded = JsonSerializer.Deserialize<MiniSubsetManifest>(File.ReadAllText(Path.Combine(FashionMnist.MiniFolder(), "manifest.json")))!;
        Assert.Equal((MiniSubset.DefaultTrainPerClass, MiniSubset.DefaultTestPerClass, 0), (recorded.TrainPerClass, recorded.TestPerClass, recorded.Seed));
        Assert.Equal(recorded.Command, manifest.Command);
    }
}
