using System.Diagnostics;
using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Models;

public sealed class VisionTransformerTests
{
    public VisionTransformerTests() => TorchRuntime.EnsureLoaded();

    static ModelSpec Vit(int dim = 32, int depth = 3, int heads = 4, int patch = 4, VitPooling pooling = VitPooling.ClassToken) =>
        new("vit", 1, 10) { ImageSize = 28, PatchSize = patch, Dim = dim, Depth = depth, Heads = heads, MlpRatio = 2, Pooling = pooling };

    [Theory]
    [InlineData(VitPooling.ClassToken, 50)]   // 7 x 7 patches of 4 x 4, plus the class token
    [InlineData(VitPooling.Mean, 49)]
    public void Stages_are_the_token_sequences_of_each_block(VitPooling pooling, int tokens)
    {
        Seeding.Seed(0);
        using var model = Vit(pooling: pooling).Create();
        Assert.IsType<VisionTransformer>(model);
        Assert.Equal(["block1", "block2", "block3"], model.StageNames);
        Assert.Equal(tokens, ((VisionTransformer)model).TokenCount);
        using var scope = NewDisposeScope();
        var output = model.ForwardWithStages(randn(2, 1, 28, 28), model.StageNames.ToArray());
        Assert.Equal(new long[] { 2, 10 }, output.Logits.shape);
        Assert.Equal(3, output.Stages.Count);
        foreach (var name in model.StageNames)
            Assert.Equal(new long[] { 2, tokens, 32 }, output.Stages[name].shape);
        // Consecutive blocks must not be the same tensor (each stage is its own block's output).
        Assert.False(allclose(output.Stages["block1"], output.Stages["block2"]));
    }

    [Fact]
    public void Logits_with_stages_equal_plain_logits_and_bad_requests_fail()
    {
        Seeding.Seed(1);
        using var model = Vit().Create();
        model.eval();
        using var scope = NewDisposeScope();
        var x = randn(3, 1, 28, 28);
        var plain = model.forward(x);
        var staged = model.ForwardWithStages(x, ["block2"]);
        Assert.True(allclose(plain, staged.Logits));
        Assert.Equal(["block2"], staged.Stages.Keys);
        var e = Assert.Throws<ArgumentException>(() => model.ForwardWithStages(x, ["layer3"]));
        Assert.Contains("block1, block2, block3", e.Message);
        // The positional embedding fixes the image size; a wrong size gets a clear error, not a broadcast failure.
        var wrong = Assert.Throws<ArgumentException>(() => model.forward(randn(3, 1, 32, 32)));
        Assert.Contains("1 x 28 x 28", wrong.Message);
    }

    [Fact]
    public void Parameters_are_registered_with_the_expected_count()
    {
        // dim 32, depth 2, heads 4, MLP ratio 2, patch 7 on 1 x 28 x 28, 10 classes, class token (17 tokens):
        //   patch conv 1*7*7*32 + 32 = 1600; class token 32; positions 17*32 = 544;
        //   per block: 2 LayerNorms 2*64, qkv 32*96 + 96, proj 32*32 + 32, fc1 32*64 + 64, fc2 64*32 + 32 = 8544;
        //   final LayerNorm 64; classifier 32*10 + 10 = 330.
        using var model = Vit(depth: 2, patch: 7).Create();
        Assert.Equal(1600 + 32 + 544 + 2 * 8544 + 64 + 330L, model.parameters().Sum(p => p.numel()));
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("cls_token", names);
        Assert.Contains("pos_embed", names);
        Assert.Contains("blocks.1.qkv.weight", names);
        // Position embedding starts small: truncated normal, std 0.02, cut at 2 std.
        var pos = model.named_parameters().Single(p => p.name == "pos_embed").parameter;
        Assert.InRange(pos.std().item<float>(), 0.01f, 0.03f);
        Assert.True(pos.abs().max().item<float>() <= 0.04f + 1e-6f);
        using var mean = Vit(depth: 2, patch: 7, pooling: VitPooling.Mean).Create();
        Assert.DoesNotContain("cls_token", mean.named_parameters().Select(p => p.name));
        Assert.Equal(new long[] { 1, 16, 32 }, mean.named_parameters().Single(p => p.name == "pos_embed").parameter.shape);
    }

    [Theory]
    [InlineData(28, 5, 32, 4, 2, 10, "not a multiple of patch size 5")]
    [InlineData(28, 4, 30, 4, 2, 10, "dim 30 is not divisible by heads 4")]
    [InlineData(28, 4, 32, 4, 0, 10, "depth must be at least 1")]
    [InlineData(28, 4, 32, 4, 2, 1, "at least 2 classes")]
    [InlineData(28, 0, 32, 4, 2, 10, "patch size must be positive")]
    [InlineData(28, 4, 32, 0, 2, 10, "heads must be positive")]
    public void Invalid_specs_fail_with_a_clear_message(int image, int patch, int dim, int heads, int depth, int classes, string expected)
    {
        var spec = new ModelSpec("vit", 1, classes) { ImageSize = image, PatchSize = patch, Dim = dim, Heads = heads, Depth = depth };
        var e = Assert.Throws<ArgumentException>(() => spec.Create());
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(VitPooling.ClassToken)]
    [InlineData(VitPooling.Mean)]
    public void One_backward_pass_reaches_every_parameter(VitPooling pooling)
    {
        Seeding.Seed(2);
        using var model = Vit(depth: 2, pooling: pooling).Create();
        model.train();
        using var scope = NewDisposeScope();
        var loss = nn.functional.cross_entropy(model.forward(randn(4, 1, 28, 28)), tensor(new long[] { 0, 3, 7, 9 }));
        loss.backward();
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.True(p.grad is not null, $"{name} has no gradient");
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
        }
    }

    [Fact]
    public void Training_on_fashion_mnist_beats_chance_on_held_out_images()
    {
        // Real training on real data: 1,000 embedded training images (100 per class), 10 epochs of the
        // kit's SGD trainer, evaluated on 500 test images (50 per class). A ViT from scratch on so little
        // data is weak, but it must be far above chance (10%); measured 65.8%. Patch 7 (16 patches +
        // class token) keeps the run short on a 2-core CPU.
        var data = FashionMnist.Load();
        var train = MiniSubset.Stratified(data.Train, 100, seed: 0);
        var test = MiniSubset.Stratified(data.Test, 50, seed: 0);
        Seeding.Seed(0);
        using var model = Vit(dim: 32, depth: 2, heads: 4, patch: 7).Create();
        var config = new TrainConfig { Epochs = 10, BatchSize = 100, LearningRate = 0.1, Augment = null, Seed = 0 };
        var clock = Stopwatch.StartNew();
        var result = Trainer.Fit(model, train, test, new Feed(Normalization.FashionMnist, CPU), config);
        Assert.Equal(10, result.Epochs.Count);
        Assert.True(result.Epochs[^1].Loss < result.Epochs[0].Loss, "loss should fall");
        Assert.True(result.FinalTestAccuracy > 0.5,
            $"test accuracy was {result.FinalTestAccuracy:P1} after {clock.Elapsed.TotalSeconds:F1} s (chance is 10%)");
    }
}
