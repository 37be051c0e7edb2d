namespace EraseAtCore.Data;

/// <summary>
/// A set of labelled images kept as raw bytes in memory (N x C x H x W, 0..255), the way the files
/// store them. Tensors are made per batch by <see cref="BatchLoader"/>, so a 60 000-image set costs
/// 47 MB rather than four times that as floats.
/// </summary>
public sealed class ImageSet
{
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
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"Label {labels[i]} of image {i} is outside [0, {classCount}).");
        Pixels = pixels; Labels = labels; Channels = channels; Height = height; Width = width; ClassCount = classCount;
    }

    /// <summary>Pixel bytes, N x C x H x W.</summary>
    public byte[] Pixels { get; }
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
        int size = ImageBytes;
        var pixels = new byte[(long)indices.Count * size];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int src = indices[i];
            if ((uint)src >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {src} outside [0, {Count}).");
            Array.Copy(Pixels, (long)src * size, pixels, (long)i * size, size);
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
