using System.Buffers.Binary;
using System.IO.Compression;
using EraseAtCore.Data;

namespace EraseAtCore.Tests.Data;

/// <summary>
/// Loads small ImageNet-style folder trees written here as real 24-bit BMP and 8-bit PNG files, so
/// every count, label and resized pixel checked is known exactly. Each test works in its own
/// temporary folder, removed afterwards.
/// </summary>
public sealed class ImageFolderTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "eraseat-imagefolder-" + Guid.NewGuid().ToString("N"));

    public ImageFolderTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    // ---- image writers: the real file formats, written by hand ----

    /// <summary>An RGB image as a function of (x, y).</summary>
    delegate (byte R, byte G, byte B) PixelAt(int x, int y);

    static PixelAt Solid(byte r, byte g, byte b) => (_, _) => (r, g, b);

    /// <summary>
    /// A 24-bit uncompressed BMP: BITMAPFILEHEADER (14 bytes) + BITMAPINFOHEADER (40 bytes), then rows
    /// bottom-up, each pixel B G R, each row padded to a multiple of 4 bytes.
    /// </summary>
    static byte[] Bmp(int width, int height, PixelAt pixel)
    {
        int stride = (width * 3 + 3) / 4 * 4;
        int dataSize = stride * height;
        var file = new byte[54 + dataSize];
        var s = file.AsSpan();
        s[0] = (byte)'B'; s[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(s[2..], file.Length);
        BinaryPrimitives.WriteInt32LittleEndian(s[10..], 54);          // pixel data offset
        BinaryPrimitives.WriteInt32LittleEndian(s[14..], 40);          // BITMAPINFOHEADER size
        BinaryPrimitives.WriteInt32LittleEndian(s[18..], width);
        BinaryPrimitives.WriteInt32LittleEndian(s[22..], height);      // positive: bottom-up
        BinaryPrimitives.WriteInt16LittleEndian(s[26..], 1);           // planes
        BinaryPrimitives.WriteInt16LittleEndian(s[28..], 24);          // bits per pixel
        BinaryPrimitives.WriteInt32LittleEndian(s[30..], 0);           // BI_RGB, no compression
        BinaryPrimitives.WriteInt32LittleEndian(s[34..], dataSize);
        BinaryPrimitives.WriteInt32LittleEndian(s[38..], 2835);        // 72 dpi
        BinaryPrimitives.WriteInt32LittleEndian(s[42..], 2835);
        for (int y = 0; y < height; y++)
        {
            int row = 54 + (height - 1 - y) * stride; // file row 0 is the image's bottom row
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                file[row + x * 3] = b; file[row + x * 3 + 1] = g; file[row + x * 3 + 2] = r;
            }
        }
        return file;
    }

    /// <summary>
    /// An 8-bit PNG, RGB (colour type 2) or grey (colour type 0; the red value is used): signature,
    /// IHDR, one zlib-compressed IDAT of filter-0 rows, IEND, each chunk with its CRC-32.
    /// </summary>
    static byte[] Png(int width, int height, PixelAt pixel, bool grey = false)
    {
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter type None
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                if (grey) raw.WriteByte(r);
                else { raw.WriteByte(r); raw.WriteByte(g); raw.WriteByte(b); }
            }
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw.ToArray());

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;                       // bit depth
        header[9] = (byte)(grey ? 0 : 2);    // colour type
        // compression 0, filter 0, interlace 0

        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    static void WriteChunk(Stream png, string type, byte[] data)
    {
        var lengthBytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(lengthBytes, data.Length);
        png.Write(lengthBytes);
        var typeAndData = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typeAndData);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        png.Write(crc);
    }

    /// <summary>CRC-32 as PNG defines it (polynomial 0xEDB88320, reflected, initial and final XOR 0xFFFFFFFF).</summary>
    static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    [Fact]
    public void Crc32_MatchesTheStandardCheckValue() =>
        Assert.Equal(0xCBF43926u, Crc32(System.Text.Encoding.ASCII.GetBytes("123456789")));

    string Write(string relativePath, byte[] bytes)
    {
        string path = Path.Combine(_root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    // ---- reading what was loaded ----

    /// <summary>The C x H x W bytes of one image.</summary>
    static byte[] ImageOf(ImageSet set, int index) =>
        set.Pixels.AsSpan(index * set.ImageBytes, set.ImageBytes).ToArray();

    /// <summary>Channel <paramref name="c"/> at (x, y) of image <paramref name="index"/>: planes R, G, B.</summary>
    static byte At(ImageSet set, int index, int c, int x, int y) =>
        set.Pixels[index * set.ImageBytes + c * set.Height * set.Width + y * set.Width + x];

    static void AssertSolid(ImageSet set, int index, byte r, byte g, byte b)
    {
        int plane = set.Height * set.Width;
        var image = ImageOf(set, index);
        Assert.All(image.AsSpan(0, plane).ToArray(), v => Assert.Equal(r, v));
        Assert.All(image.AsSpan(plane, plane).ToArray(), v => Assert.Equal(g, v));
        Assert.All(image.AsSpan(2 * plane, plane).ToArray(), v => Assert.Equal(b, v));
    }

    /// <summary>A distinct solid colour per (class, image), so each loaded image identifies its file.</summary>
    static (byte R, byte G, byte B) ColourOf(int cls, int image) => ((byte)(40 + cls * 60), (byte)(10 + image * 30), (byte)(250 - cls * 20 - image));

    // ---- layout, labels, order ----

    [Fact]
    public void Load_ReadsCountsLabelsOrdinalClassOrderAndFileOrder()
    {
        // Ordinal order puts upper case first: Dog (0), bird (1), cat (2).
        string[] classes = ["Dog", "bird", "cat"];
        int[] trainCounts = [3, 4, 2];
        // Written in a scrambled order with mixed formats and extension case; loaded sorted by name.
        string[][] names =
        [
            ["c.bmp", "a.png", "b.BMP"],
            ["img_10.jpeg.bmp", "img_02.bmp", "img_01.PNG", "img_03.bmp"],
            ["z.bmp", "y.png"],
        ];
        for (int c = 0; c < 3; c++)
        {
            var sorted = names[c].Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(trainCounts[c], sorted.Length);
            foreach (var name in names[c])
            {
                var (r, g, b) = ColourOf(c, Array.IndexOf(sorted, name));
                byte[] bytes = name.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? Png(7, 5, Solid(r, g, b)) : Bmp(7, 5, Solid(r, g, b));
                Write($"train/{classes[c]}/{name}", bytes);
            }
        }
        Write("train/cat/notes.txt", "not an image"u8.ToArray());
        Write("train/bird/._img_01.bmp", "macOS resource fork"u8.ToArray());
        Write("val/bird/v1.bmp", Bmp(3, 3, Solid(1, 2, 3)));
        Write("val/Dog/v0.png", Png(3, 3, Solid(4, 5, 6)));
        var lines = new List<string>();

        var data = ImageFolder.Load(_root, 4, lines.Add);

        Assert.Equal("imagefolder", data.Name);
        Assert.Equal(Path.GetFullPath(_root), data.Location);
        Assert.Equal(classes, data.ClassNames);
        Assert.Equal(9, data.Train.Count);
        Assert.Equal([0, 0, 0, 1, 1, 1, 1, 2, 2], data.Train.Labels);
        Assert.Equal((3, 4, 4, 3), (data.Train.Channels, data.Train.Height, data.Train.Width, data.Train.ClassCount));
        int n = 0;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < trainCounts[c]; i++, n++)
            {
                var (r, g, b) = ColourOf(c, i);
                AssertSolid(data.Train, n, r, g, b);
            }
        // Val: classes in label order (Dog, bird), whatever order the folders list in.
        Assert.Equal([0, 1], data.Test.Labels);
        Assert.Equal(3, data.Test.ClassCount);
        AssertSolid(data.Test, 0, 4, 5, 6);
        AssertSolid(data.Test, 1, 1, 2, 3);

        string log = string.Join("\n", lines);
        Assert.Contains("decoded 11/11 images", log);
        Assert.Contains("skipped 1 file", log);
        Assert.Contains("notes.txt", log);
        Assert.Contains("no images of 1 of the 3 classes (cat)", log);
        Assert.DoesNotContain("._img_01", log);
    }

    [Fact]
    public void Load_AcceptsTestInsteadOfValAndSubfoldersOfClassFolders()
    {
        Write("train/a/x.bmp", Bmp(2, 2, Solid(10, 20, 30)));
        Write("train/a/more/y.bmp", Bmp(2, 2, Solid(40, 50, 60)));
        Write("train/b/x.bmp", Bmp(2, 2, Solid(70, 80, 90)));
        Write("test/b/t.png", Png(2, 2, Solid(100, 110, 120)));
        var lines = new List<string>();

        var data = ImageFolder.Load(_root, 2, lines.Add);

        Assert.Equal([0, 0, 1], data.Train.Labels);
        // "more/y.bmp" sorts before "x.bmp".
        AssertSolid(data.Train, 0, 40, 50, 60);
        AssertSolid(data.Train, 1, 10, 20, 30);
        Assert.Equal([1], data.Test.Labels);
        AssertSolid(data.Test, 0, 100, 110, 120);
        Assert.Contains(lines, l => l.Contains("evaluating on test/"));
    }

    [Fact]
    public void Load_ReportsProgressEveryThousandImagesInOrder()
    {
        var bytes = Bmp(1, 1, Solid(9, 9, 9));
        for (int i = 0; i < 1003; i++) Write($"train/c{i % 2}/{i:D4}.bmp", bytes);
        Write("val/c0/v.bmp", bytes);
        var lines = new List<string>();

        var data = ImageFolder.Load(_root, 1, lines.Add);

        Assert.Equal(1003, data.Train.Count);
        var progress = lines.Where(l => l.StartsWith("decoded ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["decoded 1000/1004 images", "decoded 1004/1004 images"], progress);
    }

    // ---- pixels: decoding, resizing, cropping ----

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SolidImage_KeepsItsExactColourInPlaneOrder(bool png)
    {
        byte[] Image(byte r, byte g, byte b) => png ? Png(10, 6, Solid(r, g, b)) : Bmp(10, 6, Solid(r, g, b));
        Write("train/a/solid.img" + (png ? ".png" : ".bmp"), Image(200, 100, 50));
        Write("val/a/v" + (png ? ".png" : ".bmp"), Image(200, 100, 50));

        var data = ImageFolder.Load(_root, 4);

        Assert.Equal(3 * 4 * 4, data.Train.ImageBytes);
        AssertSolid(data.Train, 0, 200, 100, 50);
        AssertSolid(data.Test, 0, 200, 100, 50);
    }

    [Fact]
    public void GreyPng_BecomesThreeEqualChannels()
    {
        Write("train/a/g.png", Png(5, 5, (x, _) => ((byte)(x * 50), 0, 0), grey: true));
        Write("val/a/g.png", Png(5, 5, Solid(77, 0, 0), grey: true));

        var data = ImageFolder.Load(_root, 5);

        AssertSolid(data.Test, 0, 77, 77, 77);
        for (int c = 0; c < 3; c++)
            for (int x = 0; x < 5; x++)
                Assert.Equal((byte)(x * 50), At(data.Train, 0, c, x, 2));
    }

    [Fact]
    public void WideImage_IsCentreCroppedHorizontally()
    {
        // 32x8, left half red, right half blue. Shorter side 8 -> 4 halves everything: 16x4, red in
        // columns 0-7, blue in 8-15 (each output pixel averages 2x2 source pixels of one colour). The
        // centre crop starts at round((16 - 4) / 2) = 6: columns 6, 7 red, then 8, 9 blue.
        PixelAt halves = (x, _) => x < 16 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)255);
        Write("train/a/wide.bmp", Bmp(32, 8, halves));
        Write("val/a/wide.png", Png(32, 8, halves));

        var data = ImageFolder.Load(_root, 4);

        foreach (var set in new[] { data.Train, data.Test })
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                {
                    bool red = x < 2;
                    Assert.Equal(red ? 255 : 0, At(set, 0, 0, x, y));
                    Assert.Equal(0, At(set, 0, 1, x, y));
                    Assert.Equal(red ? 0 : 255, At(set, 0, 2, x, y));
                }
    }

    [Fact]
    public void TallImage_IsCentreCroppedVerticallyWithTopRowFirst()
    {
        // 8x32, top half green, bottom half white: rows 0, 1 green, rows 2, 3 white after the crop.
        // Catches a BMP read upside down (its rows are stored bottom-up).
        PixelAt halves = (_, y) => y < 16 ? ((byte)0, (byte)255, (byte)0) : ((byte)255, (byte)255, (byte)255);
        Write("train/a/tall.bmp", Bmp(8, 32, halves));
        Write("val/a/tall.png", Png(8, 32, halves));

        var data = ImageFolder.Load(_root, 4);

        foreach (var set in new[] { data.Train, data.Test })
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                {
                    Assert.Equal(y < 2 ? 0 : 255, At(set, 0, 0, x, y));
                    Assert.Equal(255, At(set, 0, 1, x, y));
                    Assert.Equal(y < 2 ? 0 : 255, At(set, 0, 2, x, y));
                }
    }

    [Fact]
    public void Shrinking_AveragesTheCoveredArea()
    {
        // 3 columns (0, 90, 180) -> 2: output 0 covers source [0, 1.5): (0*1 + 90*0.5) / 1.5 = 30;
        // output 1 covers [1.5, 3): (90*0.5 + 180*1) / 1.5 = 150. Rows are all alike.
        Write("train/a/s.bmp", Bmp(3, 3, (x, _) => ((byte)(x * 90), (byte)(x * 90), (byte)(x * 90))));
        Write("val/a/s.bmp", Bmp(3, 3, Solid(0, 0, 0)));

        var data = ImageFolder.Load(_root, 2);

        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 2; y++)
            {
                Assert.Equal(30, At(data.Train, 0, c, 0, y));
                Assert.Equal(150, At(data.Train, 0, c, 1, y));
            }
    }

    [Fact]
    public void Enlarging_InterpolatesBilinearlyWithClampedEdges()
    {
        // 2 columns (0, 200) -> 4: source positions -0.25, 0.25, 0.75, 1.25, clamped to [0, 1]:
        // 0, 0.75*0 + 0.25*200 = 50, 150, 200.
        Write("train/a/e.bmp", Bmp(2, 2, (x, _) => ((byte)(x * 200), 0, 0)));
        Write("val/a/e.bmp", Bmp(2, 2, Solid(0, 0, 0)));

        var data = ImageFolder.Load(_root, 4);

        byte[] expected = [0, 50, 150, 200];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
            {
                Assert.Equal(expected[x], At(data.Train, 0, 0, x, y));
                Assert.Equal(0, At(data.Train, 0, 1, x, y));
            }
    }

    [Fact]
    public void Resize_FollowsTorchvisionSizesAndCropOffsets()
    {
        Assert.Equal((85, 64), ImageResize.ResizedShape(500, 375, 64)); // floor(64 * 500 / 375) = 85
        Assert.Equal((64, 85), ImageResize.ResizedShape(375, 500, 64));
        Assert.Equal((64, 64), ImageResize.ResizedShape(7, 7, 64));
        Assert.Equal(10, ImageResize.CropOffset(85, 64));  // round(10.5) = 10, half to even
        Assert.Equal(6, ImageResize.CropOffset(16, 4));
        Assert.Equal(2, ImageResize.CropOffset(7, 4));     // round(1.5) = 2
    }

    [Fact]
    public void Load_GivesTheSameBytesEveryTime()
    {
        var random = new Random(1234);
        for (int i = 0; i < 40; i++)
        {
            var noise = new byte[13 * 9 * 3];
            random.NextBytes(noise);
            Write($"train/c{i % 3}/{i:D2}.bmp", Bmp(13, 9, (x, y) => (noise[(y * 13 + x) * 3], noise[(y * 13 + x) * 3 + 1], noise[(y * 13 + x) * 3 + 2])));
        }
        Write("val/c1/v.bmp", Bmp(4, 4, Solid(1, 1, 1)));

        var first = ImageFolder.Load(_root, 6);
        var second = ImageFolder.Load(_root, 6);

        Assert.Equal(first.Train.Pixels, second.Train.Pixels);
        Assert.Equal(first.Train.Labels, second.Train.Labels);
    }

    // ---- errors ----

    [Fact]
    public void MissingRoot_SaysTheExpectedLayout()
    {
        string missing = Path.Combine(_root, "nowhere");
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(missing, 8));
        Assert.Contains(missing, e.Message);
        Assert.Contains("train/<class>", e.Message);
    }

    [Fact]
    public void MissingTrain_SaysTheExpectedLayoutAndWhatWasFound()
    {
        Write("training/a/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));
        Write("val/a/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));

        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(_root, 8));

        Assert.Contains(Path.GetFullPath(_root), e.Message);
        Assert.Contains("no train/ folder", e.Message);
        Assert.Contains("training", e.Message);
        Assert.Contains("ROOT/train/<class>/*.jpg and ROOT/val/<class>/*.jpg", e.Message);
    }

    [Fact]
    public void GivenTheTrainFolderItself_SuggestsItsParent()
    {
        Write("train/a/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(Path.Combine(_root, "train"), 8));
        Assert.Contains("pass its parent folder", e.Message);
    }

    [Fact]
    public void MissingVal_SaysTheExpectedLayout()
    {
        Write("train/a/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));
        Write("validation/a/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));

        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(_root, 8));

        Assert.Contains(Path.GetFullPath(_root), e.Message);
        Assert.Contains("no val/ or test/ folder", e.Message);
        Assert.Contains("validation", e.Message);
        Assert.Contains("ROOT/val/<class>/", e.Message);
    }

    [Fact]
    public void ValClassUnknownToTrain_IsNamed()
    {
        Write("train/cat/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));
        Write("train/dog/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));
        Write("val/cat/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));
        Write("val/zebra/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));

        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(_root, 8));

        Assert.Contains(Path.Combine(_root, "val"), e.Message);
        Assert.Contains("class folder zebra has no counterpart", e.Message);
        Assert.Contains("cat, dog", e.Message);
    }

    [Fact]
    public void EmptyTrainClassFolders_AreNamed()
    {
        Write("train/cat/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));
        Directory.CreateDirectory(Path.Combine(_root, "train", "dog"));
        Write("train/emu/readme.txt", "no images here"u8.ToArray());
        Write("val/cat/x.bmp", Bmp(2, 2, Solid(1, 1, 1)));

        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(_root, 8));

        Assert.Contains(Path.Combine(_root, "train"), e.Message);
        Assert.Contains("class folders dog, emu hold no .jpg/.jpeg/.png/.bmp images", e.Message);
        Assert.Contains("readme.txt", e.Message);
    }

    [Fact]
    public void CorruptJpeg_NamesTheFile()
    {
        var bytes = Bmp(4, 4, Solid(1, 1, 1));
        for (int i = 0; i < 30; i++) Write($"train/a/{i:D2}.bmp", bytes);
        var random = new Random(7);
        var garbage = new byte[500];
        random.NextBytes(garbage);
        string corrupt = Write("train/b/broken.jpg", garbage);
        Write("train/b/ok.bmp", bytes);
        Write("val/a/x.bmp", bytes);

        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(_root, 8));

        Assert.Contains(corrupt, e.Message);
        Assert.Contains("cannot be decoded", e.Message);
    }

    [Fact]
    public void TruncatedPng_NamesTheFirstBadFileInImageOrder()
    {
        var good = Png(6, 6, Solid(3, 3, 3));
        for (int i = 0; i < 20; i++) Write($"train/a/{i:D2}.png", good);
        // Two bad files: the one earlier in image order is reported, however the threads ran.
        string first = Write("train/a/05x.png", good[..40]);
        Write("train/a/15x.png", [0x89, (byte)'P', (byte)'N', (byte)'G']);
        Write("val/a/x.png", good);

        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(_root, 4));

        Assert.Contains(first, e.Message);
        Assert.DoesNotContain("15x.png", e.Message);
    }
}
