namespace EraseAtCore.Data;

/// <summary>
/// The standard ImageNet evaluation transform on decoded pixels: resize so the shorter side is
/// <c>size</c> (keeping the aspect ratio), then cut out the centre <c>size</c> x <c>size</c> square.
/// Sizes and crop offsets follow torchvision's Resize(int) and CenterCrop exactly (longer side =
/// floor(size * long / short); offset = round-half-to-even((resized - size) / 2)), so a model
/// trained here sees the same crop of each image as one trained with the usual PyTorch pipeline.
/// </summary>
/// <remarks>
/// Resampling, chosen per axis:
/// <list type="bullet">
/// <item>Shrinking (the usual case: ImageNet photos are ~400 px, models here take 32-224 px) uses
/// area averaging: each output pixel is the mean of the source pixels it covers, weighted by the
/// covered fraction. Plain bilinear reads only the 2 x 2 source pixels nearest each output pixel,
/// so at a 6-8x reduction it ignores most of the image and aliases (moiré, noise, jagged edges);
/// averaging uses every pixel and matches what antialiased resizes (PIL, OpenCV INTER_AREA) give.</item>
/// <item>Enlarging (images smaller than the target) uses bilinear interpolation with pixel centres
/// at half-integers (align_corners = false) and edges clamped, as PIL and torchvision do; area
/// averaging would degenerate to nearest-neighbour blocks there.</item>
/// </list>
/// Only the output pixels inside the crop are computed (the crop is applied to the resize's output
/// grid, not to a materialised resized image), which gives the same values for less work.
/// Weights are normalised to sum to 1, so a solid colour stays exactly that colour.
/// </remarks>
internal static class ImageResize
{
    /// <summary>
    /// Width and height after resizing the shorter side to <paramref name="size"/>; the longer side
    /// is floor(size * long / short), as torchvision computes it.
    /// </summary>
    public static (int Width, int Height) ResizedShape(int width, int height, int size)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"Image shape must be positive, got {width}x{height}.");
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "The target size must be positive.");
        int Longer(int shortSide, int longSide) => checked((int)((long)size * longSide / shortSide));
        return width <= height ? (size, Longer(width, height)) : (Longer(height, width), size);
    }

    /// <summary>Offset of the centre crop along one axis: round-half-to-even, as Python's round() in torchvision.</summary>
    public static int CropOffset(int resized, int size) =>
        (int)Math.Round((resized - size) / 2.0, MidpointRounding.ToEven);

    /// <summary>
    /// Resizes an interleaved RGB image (row-major, top row first) so its shorter side is
    /// <paramref name="size"/>, cuts out the centre square and writes it channel-planar
    /// (R plane, G plane, B plane; each <paramref name="size"/> x <paramref name="size"/>, row-major).
    /// </summary>
    /// <param name="rgb">width * height * 3 bytes, R G B per pixel.</param>
    /// <param name="width">Source width in pixels.</param>
    /// <param name="height">Source height in pixels.</param>
    /// <param name="size">Output side length.</param>
    /// <param name="planar">3 * size * size bytes to fill.</param>
    public static void ResizeAndCenterCrop(ReadOnlySpan<byte> rgb, int width, int height, int size, Span<byte> planar) =>
        ResizeAndCenterCrop(rgb, width, height, size, size, planar);

    /// <summary>
    /// torchvision's Resize(<paramref name="resize"/>) then CenterCrop(<paramref name="crop"/>) (the
    /// ImageNet evaluation transform is 256 then 224), written channel-planar as above.
    /// </summary>
    public static void ResizeAndCenterCrop(ReadOnlySpan<byte> rgb, int width, int height, int resize, int crop, Span<byte> planar)
    {
        var (resizedWidth, resizedHeight) = ResizedShape(width, height, resize);
        if (crop <= 0 || crop > resize) throw new ArgumentOutOfRangeException(nameof(crop), crop, $"The crop must be in 1..{resize}.");
        Check(rgb, width, height, crop, planar);
        var columns = AxisWeights.For(width, resizedWidth, CropOffset(resizedWidth, crop), crop);
        var rows = AxisWeights.For(height, resizedHeight, CropOffset(resizedHeight, crop), crop);
        Resample(rgb, width, columns, rows, crop, planar);
    }

    /// <summary>
    /// Cuts the region (<paramref name="left"/>, <paramref name="top"/>, <paramref name="regionWidth"/> x
    /// <paramref name="regionHeight"/>) out of the image and resizes it to <paramref name="size"/> x
    /// <paramref name="size"/> (the second half of torchvision's RandomResizedCrop), written channel-planar.
    /// </summary>
    public static void CropAndResize(ReadOnlySpan<byte> rgb, int width, int height, int left, int top, int regionWidth, int regionHeight, int size, Span<byte> planar)
    {
        if (left < 0 || top < 0 || regionWidth <= 0 || regionHeight <= 0 || left + regionWidth > width || top + regionHeight > height)
            throw new ArgumentException($"The region {regionWidth}x{regionHeight} at ({left}, {top}) is not inside the {width}x{height} image.");
        Check(rgb, width, height, size, planar);
        var columns = AxisWeights.For(regionWidth, size, 0, size, sourceStart: left);
        var rows = AxisWeights.For(regionHeight, size, 0, size, sourceStart: top);
        Resample(rgb, width, columns, rows, size, planar);
    }

    static void Check(ReadOnlySpan<byte> rgb, int width, int height, int size, Span<byte> planar)
    {
        if (rgb.Length != (long)width * height * 3)
            throw new ArgumentException($"A {width}x{height} RGB image needs {(long)width * height * 3} bytes, got {rgb.Length}.", nameof(rgb));
        if (planar.Length != 3 * size * size)
            throw new ArgumentException($"The output needs {3 * size * size} bytes, got {planar.Length}.", nameof(planar));
    }

    // Separable resampling of the rows and columns the weight tables name, straight into channel planes.
    static void Resample(ReadOnlySpan<byte> rgb, int width, AxisWeights columns, AxisWeights rows, int size, Span<byte> planar)
    {
        // Pass 1, horizontal: every source row the vertical pass reads, resampled to the crop's columns.
        // (Weight tables are copied to locals: the JIT then keeps them in registers in the inner loops.)
        int[] colFirst = columns.First, colCount = columns.Count, colOffset = columns.Offset;
        float[] colWeights = columns.Weights;
        int firstRow = rows.First[0];
        int lastRow = rows.First[size - 1] + rows.Count[size - 1] - 1;
        int rowStride = size * 3;
        // Rented, not allocated: at 224 px this buffer is ~0.9 MB, a large-object allocation per image otherwise.
        var horizontal = System.Buffers.ArrayPool<float>.Shared.Rent((lastRow - firstRow + 1) * rowStride);
        try
        {
            for (int y = firstRow; y <= lastRow; y++)
            {
                var source = rgb.Slice(y * width * 3, width * 3);
                int outBase = (y - firstRow) * rowStride;
                for (int x = 0; x < size; x++)
                {
                    float r = 0, g = 0, b = 0;
                    int s = colFirst[x] * 3, at = colOffset[x], end = at + colCount[x];
                    for (int t = at; t < end; t++, s += 3)
                    {
                        float w = colWeights[t];
                        r += w * source[s]; g += w * source[s + 1]; b += w * source[s + 2];
                    }
                    horizontal[outBase + x * 3] = r;
                    horizontal[outBase + x * 3 + 1] = g;
                    horizontal[outBase + x * 3 + 2] = b;
                }
            }

            // Pass 2, vertical: straight into the channel planes.
            int plane = size * size;
            for (int y = 0; y < size; y++)
            {
                int rowStart = (rows.First[y] - firstRow) * rowStride, at = rows.Offset[y], end = at + rows.Count[y];
                var rowWeights = rows.Weights.AsSpan(at, end - at);
                for (int x = 0; x < size; x++)
                {
                    float r = 0, g = 0, b = 0;
                    int s = rowStart + x * 3;
                    foreach (float w in rowWeights)
                    {
                        r += w * horizontal[s]; g += w * horizontal[s + 1]; b += w * horizontal[s + 2];
                        s += rowStride;
                    }
                    int o = y * size + x;
                    planar[o] = ToByte(r);
                    planar[plane + o] = ToByte(g);
                    planar[2 * plane + o] = ToByte(b);
                }
            }
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(horizontal); }
    }

    static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round(v), 0f, 255f);

    /// <summary>
    /// For each output position along one axis: the source pixels it reads (First .. First+Count-1)
    /// and their weights (Weights[Offset .. Offset+Count-1], summing to 1).
    /// </summary>
    sealed class AxisWeights
    {
        public required int[] First { get; init; }
        public required int[] Count { get; init; }
        public required int[] Offset { get; init; }
        public required float[] Weights { get; init; }

        /// <param name="source">Source length.</param>
        /// <param name="resized">Length of the full resized axis.</param>
        /// <param name="cropStart">First resized position kept.</param>
        /// <param name="cropLength">Number of resized positions kept.</param>
        /// <param name="sourceStart">Position of the source's first pixel in the image (a cut-out region's left or top).</param>
        public static AxisWeights For(int source, int resized, int cropStart, int cropLength, int sourceStart = 0)
        {
            double scale = (double)source / resized; // source pixels per output pixel
            var first = new int[cropLength];
            var count = new int[cropLength];
            var offset = new int[cropLength];
            var weights = new List<float>(cropLength * ((int)Math.Ceiling(scale) + 2));
            for (int i = 0; i < cropLength; i++)
            {
                int o = cropStart + i;
                offset[i] = weights.Count;
                if (scale > 1)
                {
                    // Area: output pixel o covers source interval [o*scale, (o+1)*scale).
                    double lo = o * scale, hi = Math.Min((o + 1) * scale, source);
                    int j0 = Math.Min((int)Math.Floor(lo), source - 1);
                    int j1 = Math.Clamp((int)Math.Ceiling(hi) - 1, j0, source - 1);
                    double sum = 0;
                    int start = weights.Count;
                    for (int j = j0; j <= j1; j++)
                    {
                        double w = Math.Min(hi, j + 1) - Math.Max(lo, j);
                        weights.Add((float)Math.Max(w, 0));
                        sum += Math.Max(w, 0);
                    }
                    for (int k = start; k < weights.Count; k++) weights[k] = (float)(weights[k] / sum);
                    first[i] = j0;
                    count[i] = j1 - j0 + 1;
                }
                else
                {
                    // Bilinear with half-pixel centres; positions beyond the edge take the edge pixel.
                    double x = Math.Clamp((o + 0.5) * scale - 0.5, 0, source - 1);
                    int j0 = (int)Math.Floor(x);
                    double f = x - j0;
                    first[i] = j0;
                    if (j0 + 1 < source && f > 0)
                    {
                        weights.Add((float)(1 - f));
                        weights.Add((float)f);
                        count[i] = 2;
                    }
                    else
                    {
                        weights.Add(1f);
                        count[i] = 1;
                    }
                }
            }
            if (sourceStart != 0) for (int i = 0; i < cropLength; i++) first[i] += sourceStart;
            return new AxisWeights { First = first, Count = count, Offset = offset, Weights = weights.ToArray() };
        }
    }
}
