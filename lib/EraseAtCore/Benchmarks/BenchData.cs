using EraseAtCore.Data;

namespace EraseAtCore.Benchmarks;

/// <summary>
/// Data made for benchmarks, so every bench runs anywhere without a dataset and its step counts are exact.
/// Cost per step depends on shapes, not on pixel values, so random images time the same as real ones.
/// </summary>
public static class BenchData
{
    /// <summary>The class the unlearning benches forget (as the quick preset does).</summary>
    public const int ForgetClass = 3;

    /// <summary>
    /// A class-forgetting request on random images: <paramref name="forgetImages"/> images of class
    /// <see cref="ForgetClass"/> and <paramref name="retainImages"/> of the other classes (in turn), random bytes,
    /// seeded; a test set of one image per class. Pick the counts as multiples of the batch size so that every
    /// step of a pass gets a full batch.
    /// </summary>
    public static ForgetSplit RandomForgetRequest(int forgetImages, int retainImages, int channels = 1, int size = 28, int classes = 10, int seed = 0)
    {
        if (forgetImages <= 0 || retainImages <= 0) throw new ArgumentException("A bench forget request needs forget and retain images.");
        if (classes <= ForgetClass) throw new ArgumentException($"The bench forgets class {ForgetClass}: it needs at least {ForgetClass + 1} classes, got {classes}.");
        var random = new Random(seed);
        var others = Enumerable.Range(0, classes).Where(c => c != ForgetClass).ToArray();
        ImageSet Make(int count, Func<int, int> label)
        {
            var pixels = new byte[(long)count * channels * size * size];
            random.NextBytes(pixels);
            return new ImageSet(pixels, Enumerable.Range(0, count).Select(label).ToArray(), channels, size, size, classes);
        }
        // Forget images first, then retain images; ForgetSplit only looks at the labels.
        int total = forgetImages + retainImages;
        var train = Make(total, i => i < forgetImages ? ForgetClass : others[(i - forgetImages) % others.Length]);
        var test = Make(classes, i => i);
        var names = Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray();
        return ForgetSplit.Classes(new Dataset("bench-random", names, train, test, "(generated)"), ForgetClass);
    }

    /// <summary>A normalisation for random bytes (mean 0.5, std 0.29 per channel: uniform on [0, 1]).</summary>
    public static Normalization RandomNormalization(int channels) =>
        new(Enumerable.Repeat(0.5f, channels).ToArray(), Enumerable.Repeat(0.2887f, channels).ToArray());

    /// <summary>
    /// <paramref name="count"/> real 28x28 images with their labels: the embedded Fashion-MNIST subset (its 6000 train
    /// then 1000 test images) in order, repeated as often as needed. Repeat r (r = 0 for the first 7000) is shifted by
    /// (r mod 5 - 2, r / 5 mod 5 - 2) pixels with zero fill and mirrored when r is odd, so no two rows are the same
    /// image (identical rows would be zero distances for RBF CKA's bandwidth and self-matches for k-NN).
    /// </summary>
    public static ImageSet EmbeddedImages(int count)
    {
        if (count <= 0) throw new ArgumentException($"Ask for at least one image, got {count}.");
        var data = FashionMnist.Load();
        ImageSet a = data.Train, b = data.Test;
        int distinct = a.Count + b.Count, side = a.Height, bytes = a.ImageBytes;
        if (a.Channels != 1 || a.Width != side) throw new InvalidOperationException("The embedded set is expected to hold 1-channel square images.");
        var pixels = new byte[(long)count * bytes];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int source = i % distinct, repeat = i / distinct;
            var (set, index) = source < a.Count ? (a, source) : (b, source - a.Count);
            labels[i] = set.Labels[index];
            var from = set.Pixels.AsSpan(index * bytes, bytes);
            var to = pixels.AsSpan(i * bytes, bytes);
            if (repeat == 0) { from.CopyTo(to); continue; }
            int dx = repeat % 5 - 2, dy = repeat / 5 % 5 - 2;
            bool mirror = repeat % 2 == 1;
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                {
                    int sx = x - dx, sy = y - dy;
                    if (mirror) sx = side - 1 - sx;
                    to[y * side + x] = sx >= 0 && sx < side && sy >= 0 && sy < side ? from[sy * side + sx] : (byte)0;
                }
        }
        return new ImageSet(pixels, labels, 1, side, side, a.ClassCount);
    }
}
