using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Experiments;

public sealed class PresetTests
{
    public PresetTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Presets_are_found_by_name_and_unknown_names_list_the_known_ones()
    {
        Assert.Same(Preset.Quick, Preset.Get("QUICK"));
        Assert.Equal(["quick", "full", "cifar100", "imagenet", "paper-imagenet-r50-random100", "paper-imagenet-r50-top100",
                      "paper-cifar100-r50-random10", "paper-imagenet-swint-random100"], Preset.All.Select(p => p.Name));
        var e = Assert.Throws<ArgumentException>(() => Preset.Get("huge"));
        Assert.Contains("quick, full, cifar100, imagenet", e.Message);
        Assert.All(Preset.All, p => p.Train.Validate());
    }

    [Fact]
    public void Quick_preset_data_and_model_fit_together()
    {
        var data = Preset.Quick.LoadData();
        var spec = Preset.Quick.ModelFor(data);
        Assert.Equal((1, 10), (spec.InChannels, spec.Classes));
        Assert.Equal(EraseAtCore.Models.ResNet.ResNet18(1, 10, 16).Spec, spec);
        var vit = (Preset.Quick with { Model = new EraseAtCore.Models.ModelSpec("vit", 3, 100) { ImageSize = 99 } }).ModelFor(data);
        Assert.Equal((1, 10, 28), (vit.InChannels, vit.Classes, vit.ImageSize));
        // 300 of the embedded 600 training images per class; the whole embedded test set.
        Assert.Equal(3000, data.Train.Count);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(300, data.Train.Labels.Count(l => l == c)));
        Assert.Equal(1000, data.Test.Count);
    }

    [Fact]
    public void Imagenet_preset_asks_for_its_folder()
    {
        var e = Assert.Throws<ArgumentException>(() => Preset.ImageNet.LoadData(new DataSearch { EnvironmentFolder = null }));
        Assert.Contains("--data-dir", e.Message);
    }

    [Fact]
    public void Retrain_never_sees_the_forgotten_class()
    {
        // A small but real Retrain: a width-8 ResNet-18, 3 epochs on 600 embedded images without class 3.
        // A model that never saw "Dress" must (almost) never predict it.
        var tiny = Preset.Quick with { Model = Preset.Quick.Model with { Width = 8 }, Train = Preset.Quick.Train with { Epochs = 3, BatchSize = 30, Augment = null } };
        var data = tiny.LoadData();
        var small = data with { Train = MiniSubset.Stratified(data.Train, 60, seed: 0), Test = MiniSubset.Stratified(data.Test, 30, seed: 0) };
        var split = ForgetSplit.Classes(small, 3);
        var trained = PresetTraining.Retrain(tiny, split, CPU);
        using var model = trained.Model;
        Assert.Equal("retrain", trained.Info.Role);
        Assert.Equal([3], trained.Info.Split!.Classes);
        Assert.True(trained.Info.Metrics["forget_test"] <= 0.02, $"forget-class test accuracy {trained.Info.Metrics["forget_test"]:P1}");
        Assert.True(trained.Info.Metrics["retain_test"] > 0.5, $"retain-class test accuracy {trained.Info.Metrics["retain_test"]:P1}");
        Assert.Equal(0.0, trained.Info.Metrics["forget_train"], 2);
    }
}
