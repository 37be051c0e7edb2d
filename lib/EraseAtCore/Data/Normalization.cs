namespace EraseAtCore.Data;

/// <summary>Per-channel mean and standard deviation, on the 0..1 pixel scale.</summary>
/// <param name="Mean">One value per channel.</param>
/// <param name="Std">One value per channel, all positive.</param>
public sealed record Normalization(float[] Mean, float[] Std)
{
    /// <summary>
    /// The side of the model's input when it differs from the images' (null: the images' own). Batches are
    /// resized to it (bilinear) before normalisation, e.g. CIFAR's 32 px to 224 px for torchvision's
    /// ImageNet networks, without holding upsampled images in memory.
    /// </summary>
    public int? ResizeTo { get; init; }

    /// <summary>Fashion-MNIST train-set statistics.</summary>
    public static Normalization FashionMnist { get; } = new([0.2860f], [0.3530f]);
    /// <summary>CIFAR-10 train-set statistics.</summary>
    public static Normalization Cifar10 { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);
    /// <summary>CIFAR-100 train-set statistics.</summary>
    public static Normalization Cifar100 { get; } = new([0.5071f, 0.4865f, 0.4409f], [0.2673f, 0.2564f, 0.2762f]);
    /// <summary>ImageNet's mean and std (torchvision's pretrained models expect them).</summary>
    public static Normalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Computes the statistics of an image set (exact, in one pass over the bytes).</summary>
    public static Normalization Compute(ImageSet set)
    {
        int plane = set.Height * set.Width;
        var sum = new double[set.Channels];
        var sumSq = new double[set.Channels];
        for (int i = 0; i < set.Count; i++)
            for (int c = 0; c < set.Channels; c++)
            {
                long start = (long)i * set.ImageBytes + (long)c * plane;
                for (int p = 0; p < plane; p++) { double v = set.Pixels[start + p] / 255.0; sum[c] += v; sumSq[c] += v * v; }
            }
        double n = (double)set.Count * plane;
        var mean = sum.Select(s => (float)(s / n)).ToArray();
        var std = sumSq.Select((s, c) => (float)Math.Sqrt(Math.Max(s / n - (double)mean[c] * mean[c], 1e-12))).ToArray();
        return new Normalization(mean, std);
    }
}

/// <summary>Training-time augmentation, applied to whole batches as tensor operations.</summary>
/// <param name="CropPadding">Pad each side by this many pixels, then crop back at a random offset (0 = off).</param>
/// <param name="HorizontalFlip">Mirror each image left-right with probability 1/2.</param>
public sealed record Augmentation(int CropPadding = 4, bool HorizontalFlip = true)
{
    /// <summary>The usual CIFAR recipe: 4-pixel padding and random crop, random horizontal flip.</summary>
    public static Augmentation Standard { get; } = new();

    /// <summary>
    /// torchvision's ImageNet training transform: RandomResizedCrop when the image is decoded from its file
    /// (streamed sets only; see <see cref="ImageTransforms"/>), then a random horizontal flip.
    /// </summary>
    public static Augmentation ImageNet { get; } = new(0, true) { RandomResizedCrop = true };

    /// <summary>Take a random resized crop of each image as it is decoded (needs a streamed set).</summary>
    public bool RandomResizedCrop { get; init; }
}
