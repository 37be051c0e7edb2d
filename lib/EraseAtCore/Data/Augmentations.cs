using static TorchSharp.torch;

namespace EraseAtCore.Data;

/// <summary>Batch augmentations as tensor operations (random crop with zero padding, horizontal flip).</summary>
public static class Augmentations
{
    /// <summary>Applies <paramref name="augment"/> to a batch of images (N x C x H x W, 0..1 scale).</summary>
    public static Tensor Apply(Tensor images, Augmentation augment, Generator generator)
    {
        using var scope = NewDisposeScope();
        var x = images;
        if (augment.CropPadding > 0) x = RandomCrop(x, augment.CropPadding, generator);
        if (augment.HorizontalFlip) x = RandomFlip(x, generator);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pads by <paramref name="padding"/> zeros on each side and crops an H x W window at a random
    /// offset per image: two gathers (rows, then columns), no per-image loop.
    /// </summary>
    public static Tensor RandomCrop(Tensor images, int padding, Generator generator)
    {
        using var scope = NewDisposeScope();
        long n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        var padded = nn.functional.pad(images, [padding, padding, padding, padding]);
        // Offsets are drawn on the CPU generator (seeded, device-independent), then moved.
        var dy = randint(0, 2 * padding + 1, [n, 1], generator: generator).to(images.device);
        var dx = randint(0, 2 * padding + 1, [n, 1], generator: generator).to(images.device);
        var rows = (dy + arange(h, device: images.device)).view(n, 1, h, 1).expand(n, c, h, w + 2 * padding);
        var cropRows = padded.gather(2, rows);
        var cols = (dx + arange(w, device: images.device)).view(n, 1, 1, w).expand(n, c, h, w);
        return cropRows.gather(3, cols).MoveToOuterDisposeScope();
    }

    /// <summary>Mirrors each image left-right with probability 1/2.</summary>
    public static Tensor RandomFlip(Tensor images, Generator generator)
    {
        using var scope = NewDisposeScope();
        var flip = rand([images.shape[0], 1, 1, 1], generator: generator).lt(0.5).to(images.device);
        return where(flip, images.flip(3), images).MoveToOuterDisposeScope();
    }
}
