using EraseAtCore.Interop;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Interop;

/// <summary>PyTorch files written and read by the kit alone (no Python): round trips and the errors a user meets.</summary>
public sealed class PyTorchFileTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("erase-core-pytorch-files-").FullName;

    public PyTorchFileTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    static readonly ModelSpec Small = new("resnet18-imagenet", 3, 5, Width: 8);

    string Exported(string name, ModelSpec? spec = null)
    {
        Seeding.Seed(0);
        using var model = (spec ?? Small).Create();
        string path = Path.Combine(_root, name);
        PyTorchWeights.Export(model, path);
        return path;
    }

    [Theory]
    [InlineData("weights.pth")]
    [InlineData("weights.safetensors")]
    public void Export_then_import_gives_back_every_parameter_and_buffer(string name)
    {
        Seeding.Seed(0);
        using var model = Small.Create();
        using (no_grad()) foreach (var (_, b) in model.named_buffers()) if (b.is_floating_point()) b.uniform_(0.5, 1.5);   // not the defaults
        string path = Path.Combine(_root, name);
        PyTorchWeights.Export(model, path);
        using var back = PyTorchWeights.Import(path, Small);
        var expected = model.state_dict();
        var file = PyTorchStateDictFile.Read(path);
        Assert.Equal(expected.Keys.Order(), file.Keys.Order());   // the file holds every parameter and buffer, nothing else
        foreach (var t in file.Values) t.Dispose();
        foreach (var (key, value) in back.state_dict())
            Assert.True(value.allclose(expected[key], rtol: 0, atol: 0), $"{key} differs after the round trip");
        Assert.False(back.training);
    }

    [Fact]
    public void Torchvision_names_are_kept_and_no_downsample_where_the_shape_is_unchanged()
    {
        using var r18 = new ModelSpec("resnet18-imagenet", 3, 10).Create();
        var keys = r18.state_dict().Keys.ToHashSet();
        Assert.Contains("conv1.weight", keys);
        Assert.Contains("layer2.0.downsample.0.weight", keys);
        Assert.Contains("layer2.0.downsample.1.running_var", keys);
        Assert.Contains("fc.weight", keys);
        Assert.DoesNotContain("layer1.0.downsample.0.weight", keys);
        Assert.DoesNotContain("maxpool", string.Join(" ", keys));
        Assert.Equal(122, keys.Count);   // len(torchvision.models.resnet18().state_dict()) in torchvision 0.14
    }

    [Fact]
    public void A_wrong_class_count_names_the_keys_and_the_count_in_the_file()
    {
        string path = Exported("five.pth");
        var e = Assert.Throws<CheckpointException>(() => PyTorchWeights.Import(path, Small with { Classes = 7 }));
        Assert.Contains("fc.weight (file 5x64, model 7x64)", e.Message);
        Assert.Contains("pass --classes 5", e.Message);
    }

    [Fact]
    public void A_wrong_architecture_lists_missing_and_unexpected_keys_and_guesses_the_right_one()
    {
        string path = Exported("r18.pth");
        var e = Assert.Throws<CheckpointException>(() => PyTorchWeights.Import(path, new ModelSpec("resnet50-imagenet", 3, 5, Width: 8)));
        Assert.Contains("missing keys", e.Message);
        Assert.Contains("layer1.0.conv3.weight", e.Message);
        Assert.Contains("pass --arch resnet18-imagenet", e.Message);
    }

    [Fact]
    public void Truncated_corrupt_and_foreign_files_get_a_clear_error()
    {
        string good = Exported("good.pth");
        byte[] bytes = File.ReadAllBytes(good);
        string truncated = Path.Combine(_root, "truncated.pth");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated or corrupt", Assert.Throws<CheckpointException>(() => PyTorchWeights.Import(truncated, Small)).Message);

        string legacy = Path.Combine(_root, "legacy.pth");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc]);   // how a pre-1.6 torch.save file starts
        Assert.Contains("legacy (pre-1.6) format", Assert.Throws<CheckpointException>(() => PyTorchWeights.Import(legacy, Small)).Message);

        string text = Path.Combine(_root, "notes.pth");
        File.WriteAllText(text, "not weights at all");
        Assert.Contains("is not a PyTorch file", Assert.Throws<CheckpointException>(() => PyTorchWeights.Import(text, Small)).Message);

        string safetensors = Exported("good.safetensors");
        string cut = Path.Combine(_root, "cut.safetensors");
        File.WriteAllBytes(cut, File.ReadAllBytes(safetensors)[..100]);
        Assert.Contains("not a readable safetensors file", Assert.Throws<CheckpointException>(() => PyTorchWeights.Import(cut, Small)).Message);

        Assert.Contains("no such file", Assert.Throws<CheckpointException>(() => PyTorchWeights.Import(Path.Combine(_root, "absent.pth"), Small)).Message);
    }

    [Fact]
    public void A_checkpoint_dict_needs_the_key_that_holds_the_weights()
    {
        Seeding.Seed(0);
        using var model = Small.Create();
        string path = Path.Combine(_root, "checkpoint.tar");
        // A checkpoint dict as training scripts save it: the state dict under "weights", beside other entries.
        var inner = new System.Collections.Hashtable();
        foreach (var (k, v) in model.state_dict()) inner[k] = v;
        using (var stream = File.Create(path))
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(stream, new System.Collections.Hashtable { ["weights"] = inner, ["epoch"] = 7 });

        var e = Assert.Throws<CheckpointException>(() => PyTorchWeights.Import(path, Small));
        Assert.Contains("its keys are epoch, weights", e.Message);
        Assert.Contains("--key", e.Message);
        using var loaded = PyTorchWeights.Import(path, Small, key: "weights");
        Assert.True(loaded.state_dict()["fc.weight"].allclose(model.state_dict()["fc.weight"], rtol: 0, atol: 0));
        Assert.Contains("no key 'state'", Assert.Throws<CheckpointException>(() => PyTorchWeights.Import(path, Small, key: "state")).Message);

        // Under state_dict, found without --key even when a stray tensor sits beside it (best_acc1 saved as a tensor).
        string usual = Path.Combine(_root, "usual.pth.tar");
        using (var best = TorchSharp.torch.tensor(0.75f))
        using (var stream = File.Create(usual))
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(stream, new System.Collections.Hashtable { ["state_dict"] = inner, ["best_acc1"] = best });
        using var fromUsual = PyTorchWeights.Import(usual, Small);
        Assert.True(fromUsual.state_dict()["fc.weight"].allclose(model.state_dict()["fc.weight"], rtol: 0, atol: 0));
    }
}
