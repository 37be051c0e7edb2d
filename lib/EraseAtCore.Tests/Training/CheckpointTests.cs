using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Training;

public sealed class CheckpointTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("ckpt-").FullName;
    static readonly Dataset Data = FashionMnist.Load();
    static readonly ImageSet Small = MiniSubset.Stratified(Data.Train, 10, seed: 0);
    static readonly ImageSet SmallTest = MiniSubset.Stratified(Data.Test, 10, seed: 0);

    public CheckpointTests() => TorchRuntime.EnsureLoaded();
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static StagedModel TrainedTiny(int seed)
    {
        Seeding.Seed(seed);
        var model = ResNet.ResNet18(1, 10, 4);
        Trainer.Fit(model, Small, null, new Feed(Normalization.FashionMnist, CPU),
            new TrainConfig { Epochs = 2, BatchSize = 25, Seed = seed, Augment = new Augmentation(2, true) });
        return model;
    }

    static CheckpointInfo InfoFor(StagedModel model, double accuracy) => new()
    {
        Model = model.Spec, Dataset = Data.Name, ClassNames = Data.ClassNames, Seed = 0,
        Recipe = new TrainConfig(), Metrics = new Dictionary<string, double> { ["test"] = accuracy },
    };

    // The metadata as the code before the forget request had one type wrote it (copied from a retrain.ckpt that
    // `train --retrain --forget-fraction 0.1 --forget-seed 4 --width 4` made then): the split's keys in PascalCase.
    const string MetadataWrittenBeforeOneRequest = """
        {"format": "erase-core-checkpoint/1", "model": {"Architecture": "resnet18", "InChannels": 1, "Classes": 10, "Width": 4, "TorchvisionName": null,
         "ImageSize": 28, "PatchSize": 4, "Dim": 64, "Depth": 4, "Heads": 4, "MlpRatio": 2, "Pooling": "ClassToken"}, "role": "retrain",
         "dataset": "fashion-mnist-mini", "split": {"Kind": "samples", "Classes": [], "Fraction": 0.1, "Seed": 4}, "seed": 0}
        """;

    [Fact]
    public void Metadata_written_before_the_forget_request_had_one_type_still_reads()
    {
        var info = System.Text.Json.JsonSerializer.Deserialize<CheckpointInfo>(MetadataWrittenBeforeOneRequest, Checkpoint.Json)!;
        Assert.Equal(ForgetRequest.OfSamples(0.1, 4) with { Classes = [] }, info.Split! with { Classes = [] });
        Assert.Equal(ForgetKind.Samples, info.Split!.Kind);
        var classes = System.Text.Json.JsonSerializer.Deserialize<CheckpointInfo>(
            MetadataWrittenBeforeOneRequest.Replace("\"Kind\": \"samples\", \"Classes\": []", "\"Kind\": \"classes\", \"Classes\": [3, 5]"), Checkpoint.Json)!;
        Assert.Equal(ForgetKind.Classes, classes.Split!.Kind);
        Assert.Equal([3, 5], classes.Split.Classes);
        Assert.Equal(new ModelSpec("resnet18", 1, 10, Width: 4), info.Model);

        // What is written now reads back equal, random requests with their drawn classes.
        var drawn = ForgetRequest.OfRandomClasses(3, seed: 2).Resolve(FashionMnist.Load());
        var now = info with { Split = drawn };
        var back = System.Text.Json.JsonSerializer.Deserialize<CheckpointInfo>(System.Text.Json.JsonSerializer.Serialize(now, Checkpoint.Json), Checkpoint.Json)!;
        Assert.Equal(ForgetKind.RandomClasses, back.Split!.Kind);
        Assert.Equal(drawn.Classes, back.Split.Classes);
        Assert.Contains("\"kind\": \"random-classes\"", System.Text.Json.JsonSerializer.Serialize(now, Checkpoint.Json));
    }

    [Fact]
    public void Loading_reproduces_the_weights_and_the_accuracy_exactly()
    {
        using var model = TrainedTiny(0);
        double before = Evaluate.Accuracy(model, SmallTest, new Feed(Normalization.FashionMnist, CPU));
        string path = Path.Combine(_dir, "sub", "original.ckpt");
        Checkpoint.Save(path, model, InfoFor(model, before));

        var loaded = Checkpoint.Load(path, model.Spec);
        using var copy = loaded.Model;
        Assert.Equal(before, Evaluate.Accuracy(copy, SmallTest, new Feed(Normalization.FashionMnist, CPU)));
        Assert.Equal(before, loaded.Info.Metrics["test"]);
        Assert.Equal(model.Spec, loaded.Info.Model);
        Assert.Equal(Data.ClassNames, loaded.Info.ClassNames);
        var original = model.state_dict();
        var restored = copy.state_dict();
        Assert.Equal(original.Keys.Order(), restored.Keys.Order());
        foreach (var (name, tensor) in original)
            Assert.True(tensor.eq(restored[name]).all().item<bool>(), $"{name} differs after loading"); // BN running stats included
        Assert.Equal(["original.ckpt"], Directory.GetFiles(Path.Combine(_dir, "sub")).Select(Path.GetFileName)); // no temp files left
    }

    [Fact]
    public void Another_architecture_is_refused_with_both_named()
    {
        using var model = ResNet.ResNet18(1, 10, 4);
        string path = Path.Combine(_dir, "a.ckpt");
        Checkpoint.Save(path, model, InfoFor(model, 0));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, new ModelSpec("resnet18", 1, 10, 8)));
        Assert.Contains("resnet18 w=4", e.Message);
        Assert.Contains("resnet18 w=8", e.Message);
        var e2 = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, new ModelSpec("resnet34", 1, 10, 4)));
        Assert.Contains("resnet34", e2.Message);
    }

    [Fact]
    public void Corrupt_truncated_and_foreign_files_are_refused_clearly()
    {
        using var model = ResNet.ResNet18(1, 10, 4);
        string path = Path.Combine(_dir, "a.ckpt");
        Checkpoint.Save(path, model, InfoFor(model, 0));
        byte[] good = File.ReadAllBytes(path);

        byte[] flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, flipped);
        Assert.Contains("SHA-256 does not match", Assert.Throws<CheckpointException>(() => Checkpoint.Load(path)).Message);

        File.WriteAllBytes(path, good[..(good.Length * 2 / 3)]);
        var t = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path));
        Assert.Contains("truncated or corrupt", t.Message);

        File.WriteAllText(path, "definitely not a checkpoint");
        Assert.Contains("EACKPT01", Assert.Throws<CheckpointException>(() => Checkpoint.Load(path)).Message);

        Assert.Contains("no such checkpoint", Assert.Throws<CheckpointException>(() => Checkpoint.Load(Path.Combine(_dir, "missing.ckpt"))).Message);
    }

    [Fact]
    public void Metadata_must_describe_the_model_saved()
    {
        using var model = ResNet.ResNet18(1, 10, 4);
        var info = InfoFor(model, 0) with { Model = new ModelSpec("resnet18", 1, 10, 8) };
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(Path.Combine(_dir, "x.ckpt"), model, info));
    }

    [Fact]
    public void Same_seed_gives_the_same_model_and_another_seed_does_not()
    {
        using var a = TrainedTiny(3);
        using var b = TrainedTiny(3);
        using var c = TrainedTiny(4);
        double accA = Evaluate.Accuracy(a, SmallTest, new Feed(Normalization.FashionMnist, CPU));
        Assert.Equal(accA, Evaluate.Accuracy(b, SmallTest, new Feed(Normalization.FashionMnist, CPU)));
        var pa = a.parameters().ToArray(); var pb = b.parameters().ToArray(); var pc = c.parameters().ToArray();
        Assert.All(Enumerable.Range(0, pa.Length), i => Assert.True(pa[i].eq(pb[i]).all().item<bool>()));
        Assert.Contains(Enumerable.Range(0, pa.Length), i => !pa[i].eq(pc[i]).all().item<bool>());
    }

    [Fact]
    public void Same_seed_gives_the_same_model_on_other_threads()
    {
        // Notebook kernels and test runners move torch work between threads. With oneDNN on AVX2 about one
        // training in twenty on a new thread diverged or drifted here (see docs/cpu-kernels.md); each new thread is a try.
        using var reference = TrainedTiny(5);
        var expected = reference.parameters().ToArray();
        for (int attempt = 0; attempt < 4; attempt++)
        {
            Tensor[]? got = null;
            var worker = new Thread(() =>
            {
                using var model = TrainedTiny(5);
                got = model.parameters().Select(p => p.detach().clone()).ToArray();
            });
            worker.Start();
            worker.Join();
            int differing = Enumerable.Range(0, expected.Length).Count(i => !expected[i].eq(got![i]).all().item<bool>());
            Assert.True(differing == 0, $"training on new thread {attempt + 1} differs from the same seed on the test's thread in {differing} of {expected.Length} tensors ({CpuKernelGuard.Describe()})");
        }
    }
}
