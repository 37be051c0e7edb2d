using EraseAtCore.Data;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Data;

/// <summary>Image folders streamed from their files: the same images as in memory, seeded random resized crops, clear errors.</summary>
public sealed class StreamingImageFolderTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("erase-core-stream-").FullName;

    public StreamingImageFolderTests() => EraseAtCore.Runtime.TorchRuntime.EnsureLoaded();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    const int Size = 32;
    static readonly ImageFolderOptions Eval = new(Size) { Resize = ImageTransforms.EvalResize(Size) };

    string Folder() => JpegFolder.Write(Path.Combine(_root, "folder"), classes: 3, trainPerClass: 5, valPerClass: 2);

    static List<(float[] Images, long[] Labels)> Read(ImageSet set, BatchOptions options, int epoch = 0)
    {
        var batches = new List<(float[], long[])>();
        foreach (var batch in new BatchLoader(set, options).Epoch(epoch))
            using (batch.Images) using (batch.Labels)
                batches.Add((batch.Images.data<float>().ToArray(), batch.Labels.data<long>().ToArray()));
        return batches;
    }

    [Fact]
    public void Streamed_and_in_memory_give_the_same_batches_under_the_evaluation_transform()
    {
        string folder = Folder();
        var memory = ImageFolder.Load(folder, Eval);
        var streamed = ImageFolder.Load(folder, Eval with { Stream = true });
        Assert.False(memory.Train.IsStreamed);
        Assert.True(streamed.Train.IsStreamed);
        Assert.Equal(memory.ClassNames, streamed.ClassNames);
        foreach (var (a, b) in new[] { (memory.Train, streamed.Train), (memory.Test, streamed.Test) })
        {
            var options = new BatchOptions(4, Shuffle: true, Seed: 3, Normalize: Normalization.ImageNet);
            var left = Read(a, options);
            var right = Read(b, options);
            Assert.Equal(left.Count, right.Count);
            for (int i = 0; i < left.Count; i++)
            {
                Assert.Equal(left[i].Labels, right[i].Labels);
                Assert.Equal(left[i].Images, right[i].Images);
            }
        }
        Assert.Throws<InvalidOperationException>(() => streamed.Train.Pixels);
        // Left to decide, a folder whose decoded images exceed the limit is streamed, a small one held in memory.
        Assert.True(ImageFolder.Load(folder, Eval with { Stream = null, InMemoryLimitBytes = 10_000 }).Train.IsStreamed);
        Assert.False(ImageFolder.Load(folder, Eval with { Stream = null }).Train.IsStreamed);
    }

    [Fact]
    public void Random_resized_crops_follow_the_seed_and_not_the_thread_timing()
    {
        var set = ImageFolder.Load(Folder(), Eval with { Stream = true }).Train;
        var training = new BatchOptions(4, Shuffle: true, Seed: 1, Augment: Augmentation.ImageNet);
        var once = Read(set, training);
        var again = Read(set, training with { Workers = 1, Prefetch = 1 });
        Assert.Equal(once.Select(b => b.Images), again.Select(b => b.Images));
        Assert.NotEqual(once[0].Images, Read(set, training, epoch: 1)[0].Images);
        Assert.NotEqual(once[0].Images, Read(set, training with { Augment = null })[0].Images);   // not the evaluation crop
    }

    [Fact]
    public void Random_resized_crop_boxes_stay_inside_with_torchvisions_area_and_ratio()
    {
        var random = new Random(0);
        for (int i = 0; i < 2000; i++)
        {
            int width = random.Next(20, 400), height = random.Next(20, 400);
            var (left, top, w, h) = ImageTransforms.RandomResizedCropBox(width, height, random);
            Assert.InRange(left, 0, width - w);
            Assert.InRange(top, 0, height - h);
            Assert.InRange(w, 1, width);
            Assert.InRange(h, 1, height);
            double ratio = (double)w / h, area = (double)w * h / (width * height);
            // Rounding to whole pixels moves small boxes slightly outside the nominal ranges.
            Assert.InRange(ratio, 0.75 * 0.8, 4.0 / 3 * 1.25);
            Assert.InRange(area, 0.08 * 0.8, 1.0);
        }
        Assert.Equal(256, ImageTransforms.EvalResize(224));
    }

    [Fact]
    public void A_corrupt_file_met_while_streaming_names_the_file_and_stopping_early_does_not_hang()
    {
        string folder = Folder();
        string broken = Path.Combine(folder, "train", "n00000001", "train_002.JPEG");
        File.WriteAllBytes(broken, [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
        var set = ImageFolder.Load(folder, Eval with { Stream = true }).Train;   // streaming reads no image up front
        var e = Assert.Throws<DataFormatException>(() => Read(set, new BatchOptions(4)));
        Assert.Contains(broken, e.Message);

        string ok = JpegFolder.Write(Path.Combine(_root, "ok"), classes: 3, trainPerClass: 5, valPerClass: 2);
        var loader = new BatchLoader(ImageFolder.Load(ok, Eval with { Stream = true }).Train, new BatchOptions(2) { Prefetch = 1 });
        foreach (var batch in loader.Epoch()) { batch.Images.Dispose(); batch.Labels.Dispose(); break; }   // the producer must not block forever
    }

    [Fact]
    public void A_random_resized_crop_of_an_in_memory_set_is_refused_with_the_fix()
    {
        var set = ImageFolder.Load(Folder(), Eval).Train;
        var e = Assert.Throws<ArgumentException>(() => new BatchLoader(set, new BatchOptions(4, Augment: Augmentation.ImageNet)));
        Assert.Contains("ImageFolderOptions.Stream", e.Message);
    }
}
