using StbImageWriteSharp;

namespace EraseAtCore.Tests.Data;

/// <summary>
/// Writes a small ImageNet-style folder of real JPEG files (root/train/&lt;class&gt;/*.jpg, root/val/&lt;class&gt;/*.jpg):
/// each class a distinct colour pattern with noise, images of varied sizes and aspect ratios, so resizing,
/// cropping and decoding all do real work. Seeded: the same folder every time.
/// </summary>
static class JpegFolder
{
    public static string Write(string root, int classes, int trainPerClass, int valPerClass, int seed = 0)
    {
        var random = new Random(seed);
        var writer = new ImageWriter();
        foreach (var (split, count) in new[] { ("train", trainPerClass), ("val", valPerClass) })
            for (int c = 0; c < classes; c++)
            {
                string dir = Path.Combine(root, split, $"n{c:D8}");
                Directory.CreateDirectory(dir);
                for (int i = 0; i < count; i++)
                {
                    int width = random.Next(40, 120), height = random.Next(40, 120);
                    var rgb = new byte[width * height * 3];
                    for (int y = 0; y < height; y++)
                        for (int x = 0; x < width; x++)
                        {
                            int o = (y * width + x) * 3;
                            rgb[o] = (byte)(c * 60 % 256 ^ x * 2);
                            rgb[o + 1] = (byte)((c * 37 + y * 3) % 256);
                            rgb[o + 2] = (byte)random.Next(256);
                        }
                    using var file = File.Create(Path.Combine(dir, $"{split}_{i:D3}.JPEG"));
                    writer.WriteJpg(rgb, width, height, ColorComponents.RedGreenBlue, file, 90);
                }
            }
        return root;
    }
}
