using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Data;

/// <summary>Options of a <see cref="BatchLoader"/>.</summary>
/// <param name="BatchSize">Images per batch.</param>
/// <param name="Shuffle">Reorder the images every epoch (seeded by <paramref name="Seed"/> and the epoch).</param>
/// <param name="Seed">Seed of shuffling and augmentation.</param>
/// <param name="Normalize">Per-channel normalisation (null: pixels on the 0..1 scale).</param>
/// <param name="Augment">Augmentation (null: none; use it for training only).</param>
/// <param name="DropLast">Skip a last, smaller batch.</param>
public sealed record BatchOptions(int BatchSize = 128, bool Shuffle = false, int Seed = 0,
    Normalization? Normalize = null, Augmentation? Augment = null, bool DropLast = false);

/// <summary>One batch: images (N x C x H x W, float32) and labels (N, int64), on the loader's device.</summary>
public readonly record struct Batch(Tensor Images, Tensor Labels);

/// <summary>
/// Turns an <see cref="ImageSet"/> into batches of tensors. Shuffling is a seeded permutation per epoch;
/// normalisation and augmentation run on the batch tensor (so on the GPU when there is one). The caller
/// owns each batch's tensors: enumerate inside a <c>torch.NewDisposeScope()</c>.
/// </summary>
public sealed class BatchLoader
{
    readonly ImageSet _set;
    readonly Device _device;

    /// <summary>Creates a loader; nothing is allocated until a batch is asked for.</summary>
    public BatchLoader(ImageSet set, BatchOptions options, Device? device = null)
    {
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"Batch size must be positive, got {options.BatchSize}.");
        if (options.Normalize is { } n && (n.Mean.Length != set.Channels || n.Std.Length != set.Channels))
            throw new ArgumentException($"Normalisation has {n.Mean.Length} means and {n.Std.Length} stds; the images have {set.Channels} channels.");
        if (options.Normalize is { } n2 && n2.Std.Any(s => s <= 0)) throw new ArgumentException("Normalisation std values must be positive.");
        if (options.Augment is { CropPadding: < 0 }) throw new ArgumentException("Crop padding cannot be negative.");
        _set = set; Options = options; _device = device ?? CPU;
    }

    /// <summary>The options in force.</summary>
    public BatchOptions Options { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => Options.DropLast ? _set.Count / Options.BatchSize : (_set.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>The order in which <paramref name="epoch"/> visits the images.</summary>
    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, _set.Count).ToArray();
        if (Options.Shuffle) new Random(EpochSeed(epoch)).Shuffle(order);
        return order;
    }

    /// <summary>The batches of one epoch. The epoch number seeds shuffling and augmentation.</summary>
    public IEnumerable<Batch> Epoch(int epoch = 0)
    {
        var order = Order(epoch);
        using var generator = new Generator((ulong)EpochSeed(epoch) ^ 0x5eed_5eedUL);
        for (int start = 0; start < order.Length; start += Options.BatchSize)
        {
            int count = Math.Min(Options.BatchSize, order.Length - start);
            if (Options.DropLast && count < Options.BatchSize) yield break;
            yield return Make(order.AsSpan(start, count), generator);
        }
    }

    // Fixed arithmetic, not HashCode.Combine: HashCode is randomised per process, seeds must not be.
    int EpochSeed(int epoch) => unchecked(Options.Seed * 1_000_003 + epoch);

    Batch Make(ReadOnlySpan<int> indices, Generator generator)
    {
        int size = _set.ImageBytes;
        var bytes = new byte[indices.Length * size];
        var labels = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            Array.Copy(_set.Pixels, (long)indices[i] * size, bytes, (long)i * size, size);
            labels[i] = _set.Labels[indices[i]];
        }
        using var scope = NewDisposeScope();
        var images = tensor(bytes, [indices.Length, _set.Channels, _set.Height, _set.Width]).to(_device).to(float32).div_(255f);
        if (Options.Augment is { } augment) images = Augmentations.Apply(images, augment, generator);
        if (Options.Normalize is { } norm)
        {
            var mean = tensor(norm.Mean, [1, _set.Channels, 1, 1]).to(_device);
            var std = tensor(norm.Std, [1, _set.Channels, 1, 1]).to(_device);
            images = images.sub(mean).div_(std);
        }
        var labelTensor = tensor(labels).to(_device);
        return new Batch(images.MoveToOuterDisposeScope(), labelTensor.MoveToOuterDisposeScope());
    }
}
