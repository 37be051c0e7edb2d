namespace EraseAtCore.Data;

/// <summary>
/// torchvision's ImageNet transforms on decoded images. Evaluation: Resize(<see cref="EvalResize"/>)
/// then CenterCrop(size), i.e. 256 then 224. Training: RandomResizedCrop(size) (a random region of 8 % to
/// 100 % of the area with aspect ratio 3/4 to 4/3, resized to size x size) then a horizontal flip with
/// probability 1/2 (applied by the streaming loader's workers, <see cref="BatchLoader"/>).
/// </summary>
public static class ImageTransforms
{
    /// <summary>Crop over resize of the evaluation transform: 224 / 256.</summary>
    public const double EvalCropRatio = 0.875;

    /// <summary>The shorter side the evaluation transform resizes to before the centre crop: floor(size / 0.875), 256 for 224.</summary>
    public static int EvalResize(int size) => (int)Math.Floor(size / EvalCropRatio);

    /// <summary>Writes the evaluation transform of <paramref name="image"/> to <paramref name="planar"/> (3 x size x size).</summary>
    public static void Evaluation(RgbImage image, int size, Span<byte> planar) =>
        ImageResize.ResizeAndCenterCrop(image.Rgb, image.Width, image.Height, EvalResize(size), size, planar);

    /// <summary>Writes a random resized crop of <paramref name="image"/> to <paramref name="planar"/> (3 x size x size).</summary>
    public static void RandomResizedCrop(RgbImage image, int size, Random random, Span<byte> planar)
    {
        var (left, top, width, height) = RandomResizedCropBox(image.Width, image.Height, random);
        ImageResize.CropAndResize(image.Rgb, image.Width, image.Height, left, top, width, height, size, planar);
    }

    /// <summary>
    /// The region RandomResizedCrop cuts, drawn as torchvision's get_params draws it: up to 10 tries of a
    /// target area uniform in [0.08, 1] of the image and a log-uniform aspect ratio in [3/4, 4/3], kept
    /// when it fits; otherwise the centre crop with the ratio clamped to that range.
    /// </summary>
    public static (int Left, int Top, int Width, int Height) RandomResizedCropBox(int width, int height, Random random,
        double minScale = 0.08, double maxScale = 1.0, double minRatio = 3.0 / 4, double maxRatio = 4.0 / 3)
    {
        double area = (double)width * height;
        double logMin = Math.Log(minRatio), logMax = Math.Log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (minScale + random.NextDouble() * (maxScale - minScale));
            double ratio = Math.Exp(logMin + random.NextDouble() * (logMax - logMin));
            int w = (int)Math.Round(Math.Sqrt(target * ratio)), h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height)
                return (random.Next(width - w + 1), random.Next(height - h + 1), w, h);
        }
        double imageRatio = (double)width / height;
        int cw = width, ch = height;
        if (imageRatio < minRatio) ch = (int)Math.Round(width / minRatio);
        else if (imageRatio > maxRatio) cw = (int)Math.Round(height * maxRatio);
        return ((width - cw) / 2, (height - ch) / 2, cw, ch);
    }
}
