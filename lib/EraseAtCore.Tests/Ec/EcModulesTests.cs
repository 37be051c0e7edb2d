using EraseAtCore.Data;
using EraseAtCore.Ec;
using EraseAtCore.Experiments;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Tests.Unlearning;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Ec;

/// <summary>EC modules: heads trained once per Original on the whole training set, then used by EC runs instead of a warm-up.</summary>
public sealed class EcModulesTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("erase-core-ecm-").FullName;
    static SmallOriginal Small => SmallOriginal.Instance;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    string Trained(out EcModulesInfo info)
    {
        Seeding.Seed(0);
        var (heads, trained) = EcModules.Train(Small.Model, Small.Split.Data.Train, new Feed(Normalization.FashionMnist, CPU), new EcModulesOptions { BatchSize = 40, Epochs = 3 });
        string path = Path.Combine(_root, "ec_modules.ecm");
        using (heads) EcModules.Save(path, heads, trained);
        info = trained;
        return path;
    }

    [Fact]
    public void Modules_are_trained_on_every_class_and_used_by_EC_without_a_warm_up()
    {
        string path = Trained(out var info);
        Assert.Equal(["layer1", "layer2", "layer3"], info.Stages);
        Assert.Equal(Small.Split.Data.Train.Count, info.TrainImages);   // the whole training set, forget classes included
        Assert.True(info.FinalLoss < Math.Log(10), $"the heads should learn something: loss {info.FinalLoss:F3} vs chance {Math.Log(10):F3}");
        Assert.Equal(info.OriginalSha256, EcModules.ReadInfo(path).OriginalSha256);

        var config = new UnlearnConfig { Steps = 3, BatchSize = 20, LearningRate = 0.01 };
        // EC's set-up takes the file's heads as they are: their weights, and their loss in place of a warm-up's.
        var parts = EcParts.Prepare(Small.Context(config), new EcOptions { A = 1, ModulesPath = path });
        using (parts.Heads)
        {
            Assert.Equal(info.FinalLoss, parts.WarmupLoss);
            Seeding.Seed(0);
            var (fresh, _) = EcModules.Train(Small.Model, Small.Split.Data.Train, new Feed(Normalization.FashionMnist, CPU), new EcModulesOptions { BatchSize = 40, Epochs = 3 });
            using (fresh)
                foreach (var (name, value) in fresh.state_dict())
                    Assert.True(value.allclose(parts.Heads!.state_dict()[name], rtol: 0, atol: 0), $"head weight '{name}' is not the file's");
        }
        var result = new EraseAtTheCore(new EcOptions { A = 1, ModulesPath = path }).Unlearn(Small.Context(config));
        using var model = result.Model;
        Assert.Null(result.StopReason);
        foreach (var (name, value) in Small.Model.state_dict())
            Assert.True(value.allclose(Small.State[name], rtol: 0, atol: 0), $"the Original's '{name}' changed");
    }

    [Fact]
    public void Modules_of_another_Original_or_other_stages_are_refused_with_the_fix()
    {
        string path = Trained(out _);
        Seeding.Seed(5);
        using var other = ResNet.ResNet18(1, 10, 8);
        var split = Small.Split;
        var config = new UnlearnConfig { Steps = 1, BatchSize = 20 };
        var e = Assert.Throws<CheckpointException>(() => new EraseAtTheCore(new EcOptions { ModulesPath = path }).Unlearn(new UnlearnContext(other, split, new Feed(Normalization.FashionMnist, CPU), config)));
        Assert.Contains("trained on another Original", e.Message);
        Assert.Contains("erase-core ec-modules", e.Message);

        var stages = Assert.Throws<CheckpointException>(() => new EraseAtTheCore(new EcOptions { ModulesPath = path, Points = ["layer3", "layer4"] }).Unlearn(Small.Context(config)));
        Assert.Contains("this EC run needs heads at layer3", stages.Message);

        File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);
        Assert.Contains("truncated or corrupt", Assert.Throws<CheckpointException>(() => EcModules.ReadInfo(path)).Message);
    }
}
