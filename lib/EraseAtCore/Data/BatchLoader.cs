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
    Normalization? Normalize = null, Augmentation? Augment = null, bool DropLast = false)
{
    /// <summary>Streamed sets: threads decoding images (default: one per core).</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Streamed sets: batches decoded ahead of the one in use (bounds the memory of the queue).</summary>
    public int Prefetch { get; init; } = 3;
}

/// <summary>One batch: images (N x C x H x W, float32) and labels (N, int64), on the loader's device.</summary>
public readonly record struct Batch(Tensor Images, Tensor Labels);

/// <summary>
/// Turns an <see cref="ImageSet"/> into batches of tensors. Shuffling is a seeded permutation per epoch;
/// normalisation and augmentation run on the batch tensor (so on the GPU when there is one). The caller
/// owns each batch's tensors: enumerate inside a <c>torch.NewDisposeScope()</c>.
/// A streamed set is decoded by <see cref="BatchOptions.Workers"/> threads, <see cref="BatchOptions.Prefetch"/>
/// batches ahead of the consumer, so a training step does not wait for JPEG decoding when the workers keep
/// up. Random resized crops are drawn per image from a seed of (epoch, position in the epoch): the same
/// images whatever the thread timing.
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
        if (options.Augment is { CropPadding: > 0 } && set.IsStreamed)
            throw new ArgumentException("Crop-and-pad augmentation works on images held in memory; a streamed image folder takes torchvision's RandomResizedCrop (Augmentation.ImageNet).");
        if (options.Augment is { RandomResizedCrop: true } && !set.IsStreamed)
            throw new ArgumentException("RandomResizedCrop needs the original images: load the image folder streamed (ImageFolderOptions.Stream = true, as the paper presets do), or use crop-and-pad augmentation.");
        if (options.Workers < 1 || options.Prefetch < 1) throw new ArgumentException($"Workers and prefetch must be at least 1, got {options.Workers} and {options.Prefetch}.");
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
    public IEnumerable<Batch> Epoch(int epoch = 0) => _set.IsStreamed ? StreamedEpoch(epoch) : InMemoryEpoch(epoch);

    IEnumerable<Batch> InMemoryEpoch(int epoch)
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
            _set.CopyImage(indices[i], bytes.AsSpan(i * size, size));
            labels[i] = _set.Labels[indices[i]];
        }
        return ToTensors(bytes, labels, generator);
    }

    // Decoding runs on a producer task (each batch's images in parallel) at most Prefetch batches ahead.
    // The workers also flip and normalise into floats: libtorch's uint8-to-float conversion and broadcast
    // normalisation of a 64 x 3 x 224 x 224 batch took ~300 ms on 2 cores while decoding competed for them,
    // more than the decoding itself (BENCHMARKS.md). Tensors are made on the consumer's thread, in its dispose scope.
    IEnumerable<Batch> StreamedEpoch(int epoch)
    {
        var order = Order(epoch);
        int seed = EpochSeed(epoch);
        var augment = Options.Augment;
        var starts = new List<int>();
        for (int start = 0; start < order.Length; start += Options.BatchSize)
            if (!Options.DropLast || order.Length - start >= Options.BatchSize) starts.Add(start);
        int imageBytes = _set.ImageBytes, plane = _set.Height * _set.Width;
        var lookup = Lookup(Options.Normalize, _set.Channels);
        using var queue = new System.Collections.Concurrent.BlockingCollection<(float[] Images, long[] Labels)>(Options.Prefetch);
        using var stop = new CancellationTokenSource();
        var producer = Task.Run(() =>
        {
            try
            {
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.Workers, CancellationToken = stop.Token };
                foreach (int start in starts)
                {
                    int count = Math.Min(Options.BatchSize, order.Length - start);
                    var images = System.Buffers.ArrayPool<float>.Shared.Rent(count * imageBytes);
                    var labels = new long[count];
                    Parallel.For(0, count, parallel, () => new byte[imageBytes], (i, _, pixels) =>
                    {
                        int position = start + i;
                        // One generator per image, seeded by its place in the epoch: the same crop and flip on any thread.
                        var random = augment is null ? null : new Random(ImageSeed(seed, position));
                        _set.CopyImage(order[position], pixels, augment is { RandomResizedCrop: true } ? random : null);
                        bool flip = augment is { HorizontalFlip: true } && random!.Next(2) == 1;
                        Normalise(pixels, images.AsSpan(i * imageBytes, imageBytes), _set.Width, plane, lookup, flip);
                        labels[i] = _set.Labels[order[position]];
                        return pixels;
                    }, _ => { });
                    queue.Add((images, labels), stop.Token);
                }
            }
            finally { queue.CompleteAdding(); }
        });
        try
        {
            foreach (var (images, labels) in queue.GetConsumingEnumerable())
            {
                Batch batch;
                try { batch = FromFloats(images, labels); }
                finally { System.Buffers.ArrayPool<float>.Shared.Return(images); }
                yield return batch;
            }
        }
        finally
        {
            // The consumer may stop early (break, exception): let the producer end instead of blocking on a full queue.
            stop.Cancel();
            try { producer.Wait(); }
            catch (AggregateException) { }   // reported below when the epoch ran to its end
        }
        // A decoding error (a corrupt JPEG) ends the queue early: report it rather than a short epoch.
        if (producer.Exception?.Flatten().InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException) is { } error)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    // SplitMix64 of (epoch seed, position): a linear mix would give epoch e + 1 at position p the stream of epoch e at a
    // shifted position. Fixed arithmetic, not HashCode: seeds must be the same in every process.
    static int ImageSeed(int epochSeed, int position)
    {
        ulong z = unchecked(((ulong)(uint)epochSeed << 32 | (uint)position) + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return unchecked((int)(z ^ (z >> 31)));
    }

    // Per channel, the value of each byte: (b / 255 - mean) / std in float32, the operations (and so the
    // roundings) of the in-memory path's tensor ops, so both paths give identical batches.
    static float[][] Lookup(Normalization? normalize, int channels) =>
        Enumerable.Range(0, channels).Select(c =>
        {
            float mean = normalize?.Mean[c] ?? 0f, std = normalize?.Std[c] ?? 1f;
            return Enumerable.Range(0, 256).Select(b => normalize is null ? b / 255f : (b / 255f - mean) / std).ToArray();
        }).ToArray();

    static void Normalise(ReadOnlySpan<byte> pixels, Span<float> target, int width, int plane, float[][] lookup, bool flip)
    {
        for (int c = 0; c < lookup.Length; c++)
        {
            var table = lookup[c];
            var source = pixels.Slice(c * plane, plane);
            var destination = target.Slice(c * plane, plane);
            if (!flip)
                for (int p = 0; p < plane; p++) destination[p] = table[source[p]];
            else
                for (int row = 0; row < plane; row += width)
                    for (int x = 0; x < width; x++) destination[row + x] = table[source[row + width - 1 - x]];
        }
    }

    Batch FromFloats(float[] images, long[] labels)
    {
        using var scope = NewDisposeScope();
        var batch = empty([labels.Length, _set.Channels, _set.Height, _set.Width], dtype: float32);
        batch.data<float>().CopyFrom(new ReadOnlySpan<float>(images, 0, labels.Length * _set.ImageBytes), 0, 0);
        // Resizing after normalisation equals resizing before it: bilinear weights sum to 1 and the map is per-channel affine.
        return new Batch(Resized(batch.to(_device)).MoveToOuterDisposeScope(), tensor(labels).to(_device).MoveToOuterDisposeScope());
    }

    Tensor Resized(Tensor images) => Options.Normalize?.ResizeTo is { } side && (side != _set.Height || side != _set.Width)
        ? nn.functional.interpolate(images, [side, side], mode: InterpolationMode.Bilinear, align_corners: false)
        : images;

    Batch ToTensors(byte[] bytes, long[] labels, Generator generator)
    {
        int count = labels.Length;
        using var scope = NewDisposeScope();
        var images = tensor(bytes, [count, _set.Channels, _set.Height, _set.Width]).to(_device).to(float32).div_(255f);
        if (Options.Augment is { } augment) images = Augmentations.Apply(images, augment, generator);
        images = Resized(images);
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
