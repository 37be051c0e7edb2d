using System.Text.Json;
using System.Text.Json.Serialization;

namespace EraseAtCore.Data;

/// <summary>What `erase-core data make-mini` recorded about the embedded subset (data/fashion-mnist-mini/manifest.json).</summary>
public sealed record MiniSubsetManifest
{
    /// <summary>Always "fashion-mnist-mini".</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "fashion-mnist-mini";
    /// <summary>Images taken per class from the train set.</summary>
    [JsonPropertyName("train_per_class")] public int TrainPerClass { get; init; }
    /// <summary>Images taken per class from the test set.</summary>
    [JsonPropertyName("test_per_class")] public int TestPerClass { get; init; }
    /// <summary>Seed of the sampling (the same seed and source give the same files).</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>SHA-256 of each source file it was drawn from.</summary>
    [JsonPropertyName("source_sha256")] public Dictionary<string, string> SourceSha256 { get; init; } = new();
    /// <summary>SHA-256 of each file written.</summary>
    [JsonPropertyName("sha256")] public Dictionary<string, string> Sha256 { get; init; } = new();
    /// <summary>How to regenerate it.</summary>
    [JsonPropertyName("command")] public string Command { get; init; } = "";
}

/// <summary>
/// Builds the embedded subset: a seeded, stratified sample of the full Fashion-MNIST (the same number of
/// images per class), written as the same four IDX gzip files so one reader serves both.
/// </summary>
public static class MiniSubset
{
    /// <summary>Default images per class: 600 train + 100 test = 6000 / 1000 images, about 4 MB compressed.</summary>
    public const int DefaultTrainPerClass = 600, DefaultTestPerClass = 100;

    /// <summary>Samples the subset from <paramref name="sourceFolder"/> and writes it into <paramref name="outputFolder"/>.</summary>
    public static MiniSubsetManifest Make(string sourceFolder, string outputFolder,
        int trainPerClass = DefaultTrainPerClass, int testPerClass = DefaultTestPerClass, int seed = 0)
    {
        var source = FashionMnist.LoadFolder(sourceFolder, "fashion-mnist");
        var train = Stratified(source.Train, trainPerClass, seed, "train");
        var test = Stratified(source.Test, testPerClass, seed + 1, "test");
        Directory.CreateDirectory(outputFolder);
        var located = new LocatedData(sourceFolder, "source");
        var written = new Dictionary<string, string>();
        void Write(DataFile file, int[] shape, byte[] data)
        {
            string path = Path.Combine(outputFolder, file.FileName);
            IdxFile.WriteGzip(path, shape, data);
            written[file.FileName] = DataLocator.Sha256Of(path);
        }
        Write(FashionMnist.TrainImages, [train.Count, 28, 28], train.Pixels);
        Write(FashionMnist.TrainLabels, [train.Count], train.Labels.Select(l => (byte)l).ToArray());
        Write(FashionMnist.TestImages, [test.Count, 28, 28], test.Pixels);
        Write(FashionMnist.TestLabels, [test.Count], test.Labels.Select(l => (byte)l).ToArray());
        var manifest = new MiniSubsetManifest
        {
            TrainPerClass = trainPerClass, TestPerClass = testPerClass, Seed = seed,
            SourceSha256 = FashionMnist.Manifest.Files.ToDictionary(f => f.FileName, f => DataLocator.Sha256Of(located.PathOf(f))),
            Sha256 = written,
            Command = $"erase-core data make-mini --source <full Fashion-MNIST folder> --train-per-class {trainPerClass} --test-per-class {testPerClass} --seed {seed}",
        };
        AtomicFile.WriteAllText(Path.Combine(outputFolder, "manifest.json"),
            JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        return manifest;
    }

    /// <summary>Takes <paramref name="perClass"/> images of every class, chosen by seed, kept in their original order.</summary>
    public static ImageSet Stratified(ImageSet set, int perClass, int seed, string what = "set")
    {
        if (perClass <= 0) throw new ArgumentOutOfRangeException(nameof(perClass), $"images per class must be positive, got {perClass}.");
        var rng = new Random(seed);
        var chosen = new List<int>();
        for (int c = 0; c < set.ClassCount; c++)
        {
            var ofClass = set.IndicesWhere(l => l == c);
            if (ofClass.Length < perClass)
                throw new ArgumentException($"The {what} has only {ofClass.Length} images of class {c}; cannot take {perClass}. Use a smaller count.");
            rng.Shuffle(ofClass);
            chosen.AddRange(ofClass.Take(perClass));
        }
        chosen.Sort();
        return set.Subset(chosen);
    }
}
