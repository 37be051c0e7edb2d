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
        if (options.Augment is { RandomResizedCrop: true } && !set.IsStreamed)
            throw new ArgumentException("RandomResizedCrop needs the original images: load the image folder streamed (--stream), or use crop-and-pad augmentation.");
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

    // Decoding runs on a producer task (each batch's images in parallel) at most Prefetch batches ahead;
    // tensors are made on the consumer's thread, inside its dispose scope.
    IEnumerable<Batch> StreamedEpoch(int epoch)
    {
        var order = Order(epoch);
        int seed = EpochSeed(epoch);
        bool randomCrop = Options.Augment is { RandomResizedCrop: true };
        var starts = new List<int>();
        for (int start = 0; start < order.Length; start += Options.BatchSize)
            if (!Options.DropLast || order.Length - start >= Options.BatchSize) starts.Add(start);
        using var queue = new System.Collections.Concurrent.BlockingCollection<(byte[] Bytes, long[] Labels)>(Options.Prefetch);
        using var stop = new CancellationTokenSource();
        var producer = Task.Run(() =>
        {
            try
            {
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.Workers, CancellationToken = stop.Token };
                int size = _set.ImageBytes;
                foreach (int start in starts)
                {
                    int count = Math.Min(Options.BatchSize, order.Length - start);
                    var bytes = new byte[(long)count * size];
                    var labels = new long[count];
                    Parallel.For(0, count, parallel, i =>
                    {
                        int position = start + i;
                        var random = randomCrop ? new Random(unchecked(seed * 7_919 + position)) : null;
                        _set.CopyImage(order[position], bytes.AsSpan(i * size, size), random);
                        labels[i] = _set.Labels[order[position]];
                    });
                    queue.Add((bytes, labels), stop.Token);
                }
            }
            finally { queue.CompleteAdding(); }
        });
        using var generator = new Generator((ulong)seed ^ 0x5eed_5eedUL);
        try
        {
            foreach (var (bytes, labels) in queue.GetConsumingEnumerable())
                yield return ToTensors(bytes, labels, generator);
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

    Batch ToTensors(byte[] bytes, long[] labels, Generator generator)
    {
        int count = labels.Length;
        using var scope = NewDisposeScope();
        var images = tensor(bytes, [count, _set.Channels, _set.Height, _set.Width]).to(_device).to(float32).div_(255f);
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
