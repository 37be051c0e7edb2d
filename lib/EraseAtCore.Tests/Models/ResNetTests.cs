using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Models;

public sealed class ResNetTests
{
    public ResNetTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData("resnet18", 8, 64)]
    [InlineData("resnet34", 4, 32)]
    [InlineData("resnet50", 4, 128)]
    public void Stages_have_the_cifar_resnet_shapes(string arch, int width, int lastChannels)
    {
        Seeding.Seed(0);
        using var model = new ModelSpec(arch, 1, 10, width).Create();
        using var scope = NewDisposeScope();
        var output = model.ForwardWithStages(randn(2, 1, 28, 28), model.StageNames.ToArray());
        Assert.Equal(new long[] { 2, 10 }, output.Logits.shape);
        int expansion = arch == "resnet50" ? 4 : 1;
        Assert.Equal(new long[] { 2, width * expansion, 28, 28 }, output.Stages["layer1"].shape);
        Assert.Equal(new long[] { 2, 2 * width * expansion, 14, 14 }, output.Stages["layer2"].shape);
        Assert.Equal(new long[] { 2, 4 * width * expansion, 7, 7 }, output.Stages["layer3"].shape);
        Assert.Equal(new long[] { 2, lastChannels, 4, 4 }, output.Stages["layer4"].shape);
    }

    [Fact]
    public void ResNet18_has_the_reference_parameter_count()
    {
        // pytorch-cifar's ResNet18() (w = 64, 3 channels, 10 classes) has 11,173,962 parameters.
        using var model = ResNet.ResNet18(3, 10, 64);
        Assert.Equal(11_173_962L, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Logits_with_stages_equal_plain_logits_and_unknown_stages_fail()
    {
        Seeding.Seed(1);
        using var model = ResNet.ResNet18(1, 10, 4);
        model.eval();
        using var scope = NewDisposeScope();
        var x = randn(3, 1, 28, 28);
        var plain = model.forward(x);
        var staged = model.ForwardWithStages(x, ["layer2"]);
        Assert.True(allclose(plain, staged.Logits));
        Assert.Single(staged.Stages);
        var e = Assert.Throws<ArgumentException>(() => model.ForwardWithStages(x, ["layer9"]));
        Assert.Contains("layer1, layer2, layer3, layer4", e.Message);
    }

    [Fact]
    public void A_few_steps_of_training_fit_a_small_set()
    {
        // Real training on real data: 200 embedded images, 15 epochs; the training accuracy must rise
        // far above chance (10%). A broken loss, optimiser or data path fails this.
        var data = FashionMnist.Load();
        var small = MiniSubset.Stratified(data.Train, 20, seed: 0);
        using var model = ResNet.ResNet18(1, 10, 8);
        var config = new TrainConfig { Epochs = 15, BatchSize = 50, LearningRate = 0.05, Augment = null, Seed = 0 };
        var result = Trainer.Fit(model, small, small, new Feed(Normalization.FashionMnist, CPU), config);
        Assert.Equal(15, result.Epochs.Count);
        Assert.True(result.Epochs[^1].Loss < result.Epochs[0].Loss, "loss should fall");
        Assert.True(result.FinalTestAccuracy > 0.6, $"accuracy on the fitted set was {result.FinalTestAccuracy:P1}");
    }
}
