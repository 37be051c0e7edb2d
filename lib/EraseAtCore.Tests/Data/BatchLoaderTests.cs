using System.Diagnostics;
using System.Runtime.CompilerServices;
using EraseAtCore.Data;
using EraseAtCore.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Data;

/// <summary>
/// Batching, shuffling, normalisation and augmentation on small hand-made image sets, checked value by
/// value against what the bytes say. Every test works inside a dispose scope.
/// </summary>
public sealed class BatchLoaderTests
{
    public BatchLoaderTests() => TorchRuntime.EnsureLoaded();

    /// <summary>A set whose pixel (i, c, y, x) is <paramref name="pixel"/> and whose label i is <paramref name="label"/>.</summary>
    static ImageSet MakeSet(int n, int c, int h, int w, Func<int, int, int, int, byte> pixel, Func<int, int> label, int classes = 10)
    {
        var pixels = new byte[n * c * h * w];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        pixels[((i * c + ch) * h + y) * w + x] = pixel(i, ch, y, x);
        return new ImageSet(pixels, Enumerable.Range(0, n).Select(label).ToArray(), c, h, w, classes);
    }

    /// <summary>Image i's first byte is i, so a batch says which images it holds.</summary>
    static ImageSet NumberedSet(int n, int c = 3, int h = 4, int w = 5) =>
        MakeSet(n, c, h, w, (i, ch, y, x) => (byte)(y == 0 && x == 0 && ch == 0 ? i : (i * 31 + ch * 70 + y * 9 + x * 3) % 256), i => i % 10);

    static int[] IdsOf(Batch b, ImageSet set)
    {
        var v = b.Images.data<float>().ToArray();
        int size = set.ImageBytes;
        return Enumerable.Range(0, (int)b.Images.shape[0]).Select(i => (int)Math.Round(v[i * size] * 255f)).ToArray();
    }

    // ---- shapes, counts, order, values ----

    [Fact]
    public void Batches_HaveTheRightShapesAndTypes_AndTheLastOneIsPartial()
    {
        using var scope = NewDisposeScope();
        var set = NumberedSet(10);
        var loader = new BatchLoader(set, new BatchOptions(BatchSize: 4));

        Assert.Equal(3, loader.BatchCount);
        var batches = loader.Epoch().ToList();
        Assert.Equal(3, batches.Count);
        Assert.Equal(new[] { 4, 4, 2 }, batches.Select(b => (int)b.Images.shape[0]));
        foreach (var b in batches)
        {
            long n = b.Images.shape[0];
            Assert.Equal(new long[] { n, 3, 4, 5 }, b.Images.shape);
            Assert.Equal(ScalarType.Float32, b.Images.dtype);
            Assert.Equal(new long[] { n }, b.Labels.shape);
            Assert.Equal(ScalarType.Int64, b.Labels.dtype);
            Assert.Equal(DeviceType.CPU, b.Images.device_type);
            Assert.Equal(DeviceType.CPU, b.Labels.device_type);
        }

        var dropLast = new BatchLoader(set, new BatchOptions(BatchSize: 4, DropLast: true));
        Assert.Equal(2, dropLast.BatchCount);
        var kept = dropLast.Epoch().ToList();
        Assert.Equal(new[] { 4, 4 }, kept.Select(b => (int)b.Images.shape[0]));
        Assert.Equal(Enumerable.Range(0, 8), kept.SelectMany(b => IdsOf(b, set)));

        // An exact multiple: the same either way; a batch larger than the set: one batch, or none.
        Assert.Equal(2, new BatchLoader(NumberedSet(8), new BatchOptions(4)).BatchCount);
        Assert.Equal(2, new BatchLoader(NumberedSet(8), new BatchOptions(4, DropLast: true)).BatchCount);
        Assert.Single(new BatchLoader(set, new BatchOptions(64)).Epoch());
        Assert.Equal(1, new BatchLoader(set, new BatchOptions(64)).BatchCount);
        Assert.Empty(new BatchLoader(set, new BatchOptions(64, DropLast: true)).Epoch());
        Assert.Equal(0, new BatchLoader(set, new BatchOptions(64, DropLast: true)).BatchCount);
    }

    [Fact]
    public void WithoutShuffle_ImagesComeInOrder_AsBytesOver255()
    {
        using var scope = NewDisposeScope();
        var set = NumberedSet(7, c: 2, h: 3, w: 3);
        var loader = new BatchLoader(set, new BatchOptions(BatchSize: 3));

        Assert.Equal(Enumerable.Range(0, 7), loader.Order(0));
        Assert.Equal(Enumerable.Range(0, 7), loader.Order(5));
        var batches = loader.Epoch(2).ToList();
        var pixels = batches.SelectMany(b => b.Images.data<float>().ToArray()).ToArray();
        var labels = batches.SelectMany(b => b.Labels.data<long>().ToArray()).ToArray();

        Assert.Equal(set.Pixels.Select(p => p / 255f), pixels);
        Assert.Equal(set.Labels.Select(l => (long)l), labels);
        Assert.Contains(0f, pixels);
        Assert.True(pixels.All(p => p is >= 0f and <= 1f));
    }

    [Fact]
    public void Normalisation_IsPixelOver255MinusMeanOverStd_PerChannel()
    {
        using var scope = NewDisposeScope();
        var set = MakeSet(5, 3, 2, 3, (i, c, y, x) => (byte)((i * 53 + c * 101 + y * 17 + x * 29) % 256), i => i);
        var norm = new Normalization([0.5f, 0.25f, 0.1f], [0.2f, 0.5f, 0.3f]);
        var loader = new BatchLoader(set, new BatchOptions(BatchSize: 2, Normalize: norm));

        var actual = loader.Epoch().SelectMany(b => b.Images.data<float>().ToArray()).ToArray();

        var expected = new float[set.Pixels.Length];
        for (int k = 0; k < expected.Length; k++)
        {
            int c = k / 6 % 3;
            expected[k] = (set.Pixels[k] / 255f - norm.Mean[c]) / norm.Std[c];
        }
        Assert.Equal(expected, actual);
        // Spot check one value by hand: image 1, channel 2, row 1, column 2.
        // Its byte is (53 + 2*101 + 17 + 2*29) mod 256 = 74.
        Assert.Equal((byte)74, set.Pixels[1 * 18 + 2 * 6 + 1 * 3 + 2]);
        Assert.Equal((74 / 255f - 0.1f) / 0.3f, actual[1 * 18 + 2 * 6 + 1 * 3 + 2]);
    }

    // ---- shuffling ----

    [Fact]
    public void Shuffle_IsAPermutation_FollowedByTheBatches_SeededByEpoch()
    {
        using var scope = NewDisposeScope();
        var set = NumberedSet(23);
        var options = new BatchOptions(BatchSize: 5, Shuffle: true, Seed: 3);
        var loader = new BatchLoader(set, options);

        var order0 = loader.Order(0);
        Assert.Equal(Enumerable.Range(0, 23), order0.Order());
        Assert.NotEqual(Enumerable.Range(0, 23), order0);

        // The batches visit the images in that order, with their own labels.
        var batches = loader.Epoch(0).ToList();
        Assert.Equal(order0, batches.SelectMany(b => IdsOf(b, set)));
        Assert.Equal(order0.Select(i => (long)set.Labels[i]), batches.SelectMany(b => b.Labels.data<long>().ToArray()));

        // Same seed and epoch: same order (also from another loader); other epoch or seed: another order.
        Assert.Equal(order0, loader.Order(0));
        Assert.Equal(order0, new BatchLoader(set, options).Order(0));
        Assert.Equal(order0, new BatchLoader(set, options).Epoch(0).SelectMany(b => IdsOf(b, set)));
        var order1 = loader.Order(1);
        Assert.Equal(Enumerable.Range(0, 23), order1.Order());
        Assert.NotEqual(order0, order1);
        Assert.NotEqual(order1, loader.Order(2));
        Assert.NotEqual(order0, new BatchLoader(set, options with { Seed = 4 }).Order(0));
    }

    // ---- reproducibility across processes ----

    const string ChildVariable = "ERASEAT_TEST_PRINT_LOADER_FINGERPRINT";

    /// <summary>The shuffle orders and augmented pixels of a fixed loader, as one line of text.</summary>
    internal static string Fingerprint()
    {
        using var scope = NewDisposeScope();
        var set = NumberedSet(12, c: 1, h: 4, w: 4);
        var loader = new BatchLoader(set, new BatchOptions(BatchSize: 6, Shuffle: true, Seed: 42, Augment: new Augmentation(1, true)));
        var bytes = loader.Epoch(3).SelectMany(b => b.Images.data<float>().ToArray()).Select(v => (int)Math.Round(v * 255));
        return $"order0={string.Join(",", loader.Order(0))} order1={string.Join(",", loader.Order(1))} epoch3={string.Join(",", bytes)}";
    }

    /// <summary>
    /// Runs in a child process started by <see cref="SameSeed_GivesTheSameBatchesInAnotherProcess"/> (the
    /// test assembly is launched as a program with <see cref="ChildVariable"/> set): prints the fingerprint
    /// and exits. In the test host the variable is unset and this does nothing.
    /// </summary>
#pragma warning disable CA2255 // a module initializer in a test assembly, used only as a child-process entry point
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void ChildEntryPoint()
    {
        if (Environment.GetEnvironmentVariable(ChildVariable) != "1") return;
        TorchRuntime.EnsureLoaded();
        Console.Out.WriteLine(Fingerprint());
        Console.Out.Flush();
        Environment.Exit(0);
    }

    [Fact]
    public async Task SameSeed_GivesTheSameBatchesInAnotherProcess()
    {
        // "Same seed, same numbers on CPU" (the --seed option) must hold between runs, not only within one:
        // a rerun of an experiment has to see the same shuffles and augmentations.
        string here = Fingerprint();
        string dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet"
            ? p : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(BatchLoaderTests).Assembly.Location);
        start.Environment[ChildVariable] = "1";
        using var child = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stderr = child.StandardError.ReadToEndAsync(timeout.Token);
        string stdout = await child.StandardOutput.ReadToEndAsync(timeout.Token);
        await child.WaitForExitAsync(timeout.Token);
        Assert.True(child.ExitCode == 0, $"child exited with {child.ExitCode}: {await stderr}");
        string there = stdout.Trim();

        Assert.StartsWith("order0=", there);
        Assert.Equal(here, there);
    }

    // ---- statistics ----

    [Fact]
    public void NormalizationCompute_MatchesHandComputedMeanAndStd()
    {
        // Two 2x2 images, two channels.
        // Channel 0: 0,255,0,255 | 255,0,255,0 -> values 0/1 half each: mean 0.5, std 0.5.
        // Channel 1: 0,51,102,153 | 204,255,0,51 -> 0,.2,.4,.6,.8,1,0,.2: mean 3.2/8 = 0.4,
        //            mean of squares 2.24/8 = 0.28, variance 0.12, std sqrt(0.12).
        byte[] pixels =
        [
            0, 255, 0, 255, /* image 0, channel 1 */ 0, 51, 102, 153,
            255, 0, 255, 0, /* image 1, channel 1 */ 204, 255, 0, 51,
        ];
        var set = new ImageSet(pixels, [0, 1], 2, 2, 2, 2);

        var stats = Normalization.Compute(set);

        Assert.Equal(2, stats.Mean.Length);
        Assert.Equal(2, stats.Std.Length);
        Assert.Equal(0.5, stats.Mean[0], 6);
        Assert.Equal(0.5, stats.Std[0], 6);
        Assert.Equal(0.4, stats.Mean[1], 6);
        Assert.Equal(Math.Sqrt(0.12), stats.Std[1], 6);
    }

    [Fact]
    public void NormalizationCompute_OfAConstantSet_HasATinyPositiveStd()
    {
        var set = MakeSet(3, 1, 2, 2, (_, _, _, _) => 51, i => 0);
        var stats = Normalization.Compute(set);
        Assert.Equal(0.2, stats.Mean[0], 6);
        Assert.InRange(stats.Std[0], 0f, 1e-5f);
        Assert.True(stats.Std[0] > 0); // usable as a divisor
    }

    [Fact]
    public void FashionMnistConstants_MatchTheEmbeddedSubset()
    {
        // The published constants are the full train set's; a 6000-image stratified sample has a mean
        // within about 0.001 of it (image means vary by ~0.1), so 0.005 is a wide but meaningful margin.
        var stats = Normalization.Compute(FashionMnist.Load().Train);
        Assert.InRange(stats.Mean[0], Normalization.FashionMnist.Mean[0] - 0.005f, Normalization.FashionMnist.Mean[0] + 0.005f);
        Assert.InRange(stats.Std[0], Normalization.FashionMnist.Std[0] - 0.005f, Normalization.FashionMnist.Std[0] + 0.005f);
    }

    // ---- augmentation ----

    /// <summary>Distinct, non-zero values, so a shifted or mirrored image is recognisable unambiguously.</summary>
    static Tensor DistinctImages(long n, long c, long h, long w) => arange(1, 1 + n * c * h * w, dtype: float32).reshape(n, c, h, w);

    [Fact]
    public void RandomFlip_GivesEachImageOrItsMirror_BothOccur_SeedRepeats()
    {
        using var scope = NewDisposeScope();
        const int n = 32, c = 2, h = 3, w = 4;
        var images = DistinctImages(n, c, h, w);
        var input = images.data<float>().ToArray();

        using var g1 = new Generator(11);
        var output = Augmentations.RandomFlip(images, g1);
        Assert.Equal(images.shape, output.shape);
        var result = output.data<float>().ToArray();

        int same = 0, mirrored = 0;
        int size = c * h * w;
        for (int i = 0; i < n; i++)
        {
            var original = input.AsSpan(i * size, size).ToArray();
            var mirror = new float[size];
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        mirror[(ch * h + y) * w + x] = original[(ch * h + y) * w + (w - 1 - x)];
            var got = result.AsSpan(i * size, size).ToArray();
            if (got.SequenceEqual(original)) same++;
            else if (got.SequenceEqual(mirror)) mirrored++;
            else Assert.Fail($"image {i} is neither itself nor its mirror");
        }
        Assert.Equal(n, same + mirrored);
        Assert.True(same > 0 && mirrored > 0, $"{same} kept, {mirrored} mirrored: expected both among {n}");

        using var g2 = new Generator(11);
        Assert.Equal(result, Augmentations.RandomFlip(images, g2).data<float>().ToArray());
        Assert.Equal(input, images.data<float>().ToArray()); // the input is not modified
    }

    /// <summary>Image <paramref name="i"/> of <paramref name="input"/> shifted by (dy, dx), zeros where it leaves the frame.</summary>
    static float[] Shifted(float[] input, int i, int c, int h, int w, int dy, int dx)
    {
        var result = new float[c * h * w];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int sy = y + dy, sx = x + dx;
                    result[(ch * h + y) * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? input[((i * c + ch) * h + sy) * w + sx] : 0f;
                }
        return result;
    }

    [Fact]
    public void RandomCrop_IsTheZeroPaddedImageShiftedByAtMostThePadding()
    {
        using var scope = NewDisposeScope();
        const int n = 12, c = 2, h = 5, w = 6, p = 2;
        var images = DistinctImages(n, c, h, w);
        var input = images.data<float>().ToArray();

        using var g1 = new Generator(2024);
        var output = Augmentations.RandomCrop(images, p, g1);
        Assert.Equal(new long[] { n, c, h, w }, output.shape);
        var result = output.data<float>().ToArray();

        var offsets = new List<(int, int)>();
        int size = c * h * w;
        for (int i = 0; i < n; i++)
        {
            var got = result.AsSpan(i * size, size).ToArray();
            var matches = new List<(int, int)>();
            for (int dy = -p; dy <= p; dy++)
                for (int dx = -p; dx <= p; dx++)
                    if (got.SequenceEqual(Shifted(input, i, c, h, w, dy, dx))) matches.Add((dy, dx));
            offsets.Add(Assert.Single(matches)); // exactly one shift explains the output (values are distinct)
        }
        Assert.Contains(offsets, o => o != (0, 0));
        Assert.True(offsets.Distinct().Count() > 1, "every image was shifted the same way");

        using var g2 = new Generator(2024);
        Assert.Equal(result, Augmentations.RandomCrop(images, p, g2).data<float>().ToArray());
        using var g3 = new Generator(2025);
        Assert.NotEqual(result, Augmentations.RandomCrop(images, p, g3).data<float>().ToArray());
    }

    [Fact]
    public void LoaderAugmentation_FlipOnly_GivesOriginalsOrMirrors_AndRepeatsPerEpoch()
    {
        using var scope = NewDisposeScope();
        const int n = 16, h = 3, w = 4;
        var set = MakeSet(n, 1, h, w, (i, _, y, x) => (byte)(1 + i * 12 + y * 4 + x), i => i % 10);
        var options = new BatchOptions(BatchSize: 5, Seed: 9, Augment: new Augmentation(CropPadding: 0, HorizontalFlip: true));
        var loader = new BatchLoader(set, options);

        var result = loader.Epoch(1).SelectMany(b => b.Images.data<float>().ToArray()).Select(v => (int)Math.Round(v * 255)).ToArray();
        int mirrored = 0;
        for (int i = 0; i < n; i++)
        {
            var got = result.AsSpan(i * h * w, h * w).ToArray();
            var original = set.Pixels.AsSpan(i * h * w, h * w).ToArray().Select(b => (int)b).ToArray();
            var mirror = Enumerable.Range(0, h * w).Select(k => original[k / w * w + (w - 1 - k % w)]).ToArray();
            if (got.SequenceEqual(mirror)) mirrored++;
            else Assert.Equal(original, got);
        }
        Assert.InRange(mirrored, 1, n - 1);
        Assert.Equal(result, new BatchLoader(set, options).Epoch(1).SelectMany(b => b.Images.data<float>().ToArray()).Select(v => (int)Math.Round(v * 255)));
    }

    // ---- invalid options ----

    [Fact]
    public void InvalidOptions_AreRejectedWithAReason()
    {
        var gray = NumberedSet(4, c: 1);

        var zero = Assert.ThrowsAny<ArgumentException>(() => new BatchLoader(gray, new BatchOptions(BatchSize: 0)));
        Assert.Contains("Batch size must be positive, got 0", zero.Message);
        Assert.ThrowsAny<ArgumentException>(() => new BatchLoader(gray, new BatchOptions(BatchSize: -3)));

        var channels = Assert.ThrowsAny<ArgumentException>(() => new BatchLoader(gray, new BatchOptions(Normalize: Normalization.Cifar10)));
        Assert.Contains("3 means", channels.Message);
        Assert.Contains("1 channels", channels.Message);
        Assert.ThrowsAny<ArgumentException>(() => new BatchLoader(NumberedSet(4), new BatchOptions(Normalize: Normalization.FashionMnist)));
        Assert.ThrowsAny<ArgumentException>(() => new BatchLoader(gray, new BatchOptions(Normalize: new Normalization([0.5f], [0.1f, 0.2f]))));

        var std = Assert.ThrowsAny<ArgumentException>(() => new BatchLoader(gray, new BatchOptions(Normalize: new Normalization([0.5f], [0f]))));
        Assert.Contains("std", std.Message);
        Assert.ThrowsAny<ArgumentException>(() => new BatchLoader(gray, new BatchOptions(Augment: new Augmentation(CropPadding: -1))));

        // The valid counterparts are accepted.
        Assert.Equal(4, new BatchLoader(gray, new BatchOptions(BatchSize: 1, Normalize: Normalization.FashionMnist)).BatchCount);
    }
}
