using EraseAtCore.Data;
using EraseAtCore.Ec;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Models;

/// <summary>
/// The torchvision-layout networks as the rest of the kit uses them: stages as N x C x H x W at any input
/// size, stochastic depth only while training, checkpoints, and EC with heads on every stage. Their
/// equality with torchvision itself is in Interop/TorchvisionEquivalenceTests.
/// </summary>
public sealed class TorchvisionModelTests
{
    public TorchvisionModelTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData("resnet18-imagenet", 8, 64, new long[] { 8, 16, 32, 64 }, new long[] { 16, 8, 4, 2 })]    // /4 stem+pool, then /2 per stage
    [InlineData("resnet50-imagenet", 8, 64, new long[] { 32, 64, 128, 256 }, new long[] { 16, 8, 4, 2 })]  // bottleneck: 4 x width
    [InlineData("swin-t", 64, 64, new long[] { 96, 192, 384, 768 }, new long[] { 16, 8, 4, 2 })]
    [InlineData("swin-t", 64, 28, new long[] { 96, 192, 384, 768 }, new long[] { 7, 4, 2, 1 })]            // odd maps are padded
    public void Stages_are_N_C_H_W_at_any_input_size(string arch, int width, int size, long[] channels, long[] sides)
    {
        Seeding.Seed(0);
        using var model = new ModelSpec(arch, 3, 6, width).Create();
        model.eval();
        using var scope = NewDisposeScope();
        var output = model.ForwardWithStages(randn(2, 3, size, size), model.StageNames.ToArray());
        Assert.Equal(new long[] { 2, 6 }, output.Logits.shape);
        for (int i = 0; i < 4; i++)
            Assert.Equal(new[] { 2, channels[i], sides[i], sides[i] }, output.Stages[model.StageNames[i]].shape);
        Assert.True(output.Logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void Swin_stochastic_depth_acts_only_while_training()
    {
        Seeding.Seed(0);
        using var model = new ModelSpec("swin-t", 3, 4).Create();
        using var scope = NewDisposeScope();
        var x = randn(4, 3, 32, 32);
        model.eval();
        Assert.True(model.forward(x).allclose(model.forward(x), rtol: 0, atol: 0), "eval mode must be deterministic");
        model.train();
        Assert.False(model.forward(x).allclose(model.forward(x)), "training mode drops residual branches at random");
    }

    [Fact]
    public void Checkpoints_keep_the_architecture()
    {
        string path = Path.Combine(Path.GetTempPath(), $"erase-core-swin-{Environment.ProcessId}.ckpt");
        try
        {
            Seeding.Seed(0);
            var spec = new ModelSpec("swin-t", 3, 4);
            using var model = spec.Create();
            Checkpoint.Save(path, model, new CheckpointInfo { Model = spec, Dataset = "test" });
            var loaded = Checkpoint.Load(path, spec);
            using var back = loaded.Model;
            Assert.IsType<SwinTransformer>(back);
            using var scope = NewDisposeScope();
            var x = randn(1, 3, 32, 32);
            model.eval();
            Assert.True(back.forward(x).allclose(model.forward(x), rtol: 0, atol: 0));
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("resnet18-imagenet", 8)]
    [InlineData("swin-t", 64)]
    public void EC_attaches_a_head_to_every_stage_and_leaves_the_torchvision_layout(string arch, int width)
    {
        var data = FashionMnist.Load();
        var small = data with { Train = MiniSubset.Stratified(data.Train, 4, seed: 0), Test = MiniSubset.Stratified(data.Test, 2, seed: 0) };
        var split = ForgetSplit.Classes(small, 3);
        Seeding.Seed(0);
        using var original = new ModelSpec(arch, 1, 10, width).Create();
        var keys = original.state_dict().Select(kv => (kv.Key, string.Join("x", kv.Value.shape))).ToList();
        var config = new UnlearnConfig { Steps = 3, BatchSize = 4, LearningRate = 0.01 };
        var result = new EraseAtTheCore(new EcOptions { WarmupSteps = 2 }).Unlearn(new UnlearnContext(original, split, new Feed(Normalization.FashionMnist, CPU), config));
        using var model = result.Model;
        Assert.Null(result.StopReason);
        foreach (var stage in original.StageNames)
            Assert.Contains(result.Log, e => e.Losses.ContainsKey($"cu/{stage}") && double.IsFinite(e.Losses[$"cu/{stage}"]));
        Assert.Equal(keys, model.state_dict().Select(kv => (kv.Key, string.Join("x", kv.Value.shape))).ToList());
    }
}
