namespace EraseAtCore.Data;

/// <summary>
/// A set of labelled images kept as raw bytes in memory (N x C x H x W, 0..255), the way the files
/// store them; or, for sets too large for memory, a list of image files decoded when a batch needs
/// them (<see cref="Streamed"/>). Tensors are made per batch by <see cref="BatchLoader"/>, so a
/// 60 000-image set costs 47 MB rather than four times that as floats.
/// </summary>
public sealed class ImageSet
{
    readonly byte[]? _pixels;

    ImageSet(ImageFiles files, int[] labels, int classCount)
    {
        if (files.Paths.Count != labels.Length) throw new ArgumentException($"{files.Paths.Count} files but {labels.Length} labels.");
        CheckLabels(labels, classCount);
        Files = files; Labels = labels; Channels = 3; Height = files.Size; Width = files.Size; ClassCount = classCount;
    }

    /// <summary>A set streamed from <paramref name="files"/> (3 channels, files.Size x files.Size), decoded per batch.</summary>
    public static ImageSet Streamed(ImageFiles files, int[] labels, int classCount) => new(files, labels, classCount);

    /// <summary>The files of a streamed set; null when the images are in memory.</summary>
    public ImageFiles? Files { get; }

    /// <summary>True when the images are decoded from files per batch rather than held in memory.</summary>
    public bool IsStreamed => Files is not null;

    /// <summary>
    /// Writes image <paramref name="index"/> (C x H x W bytes) to <paramref name="destination"/>. A streamed set
    /// decodes its file: with <paramref name="randomCrop"/> a random resized crop drawn from it, else the
    /// evaluation transform. An in-memory set copies its bytes and takes no random crop.
    /// </summary>
    public void CopyImage(int index, Span<byte> destination, Random? randomCrop = null)
    {
        if (Files is { } files) { files.Decode(index, destination, randomCrop); return; }
        if (randomCrop is not null) throw new InvalidOperationException("A random resized crop needs the original image: stream the set from its files.");
        new ReadOnlySpan<byte>(_pixels, checked((int)((long)index * ImageBytes)), ImageBytes).CopyTo(destination);
    }

    /// <summary>Wraps pixel bytes and labels; checks that their sizes agree.</summary>
    /// <param name="pixels">N*C*H*W bytes, image-major, channel-planar (as CIFAR and IDX store them).</param>
    /// <param name="labels">One label per image, each in [0, <paramref name="classCount"/>).</param>
    /// <param name="channels">Channels per image.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="classCount">Number of classes of the dataset.</param>
    public ImageSet(byte[] pixels, int[] labels, int channels, int height, int width, int classCount)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"Image shape must be positive, got {channels}x{height}x{width}.");
        if (pixels.LongLength != (long)labels.Length * channels * height * width)
            throw new ArgumentException(
                $"{labels.Length} labels need {(long)labels.Length * channels * height * width} pixel bytes " +
                $"({channels}x{height}x{width} each), got {pixels.LongLength}.");
        CheckLabels(labels, classCount);
        _pixels = pixels; Labels = labels; Channels = channels; Height = height; Width = width; ClassCount = classCount;
    }

    static void CheckLabels(int[] labels, int classCount)
    {
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"Label {labels[i]} of image {i} is outside [0, {classCount}).");
    }

    /// <summary>Pixel bytes, N x C x H x W (in-memory sets only).</summary>
    /// <exception cref="InvalidOperationException">The set is streamed from files.</exception>
    public byte[] Pixels => _pixels ?? throw new InvalidOperationException(
        $"This set of {Count} images is streamed from files, not held in memory: read it through a BatchLoader (or CopyImage).");
    /// <summary>Labels, one per image.</summary>
    public int[] Labels { get; }
    /// <summary>Channels per image (1 for Fashion-MNIST, 3 for CIFAR).</summary>
    public int Channels { get; }
    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>Number of classes of the dataset (not only those present here).</summary>
    public int ClassCount { get; }
    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;
    /// <summary>Bytes per image.</summary>
    public int ImageBytes => Channels * Height * Width;

    /// <summary>How many images each class has (length <see cref="ClassCount"/>).</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (var l in Labels) counts[l]++;
        return counts;
    }

    /// <summary>A copy holding only the images at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        foreach (var index in indices)
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {index} outside [0, {Count}).");
        if (Files is { } files)
            return new ImageSet(files with { Paths = indices.Select(i => files.Paths[i]).ToArray() }, indices.Select(i => Labels[i]).ToArray(), ClassCount);
        int size = ImageBytes;
        var pixels = new byte[(long)indices.Count * size];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int src = indices[i];
            if ((uint)src >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {src} outside [0, {Count}).");
            Array.Copy(_pixels!, (long)src * size, pixels, (long)i * size, size);
            labels[i] = Labels[src];
        }
        return new ImageSet(pixels, labels, Channels, Height, Width, ClassCount);
    }

    /// <summary>Indices of the images whose label satisfies <paramref name="keep"/>.</summary>
    public int[] IndicesWhere(Func<int, bool> keep)
    {
        var result = new List<int>();
        for (int i = 0; i < Count; i++) if (keep(Labels[i])) result.Add(i);
        return result.ToArray();
    }
}
