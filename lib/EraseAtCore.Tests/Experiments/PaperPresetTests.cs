using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Interop;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Tests.Data;
using Xunit.Abstractions;

namespace EraseAtCore.Tests.Experiments;

/// <summary>
/// The presets of the authors' card run end to end on a CPU, on tiny data in the real formats (an ImageNet-style folder of
/// JPEGs with 101 classes, a CIFAR-100 binary folder), starting from a PyTorch Original and Retrain as a GPU user would.
/// Only the sizes are shrunk (ResNet width 8, 32-48 px images, 2 unlearning steps); the pipeline is the preset's:
/// streaming, transforms, Random-N or a class list, the field's recipe, import.
/// </summary>
public sealed class PaperPresetTests(ITestOutputHelper output) : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("erase-core-paper-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("paper-imagenet-r50-random100")]
    [InlineData("paper-imagenet-r50-top100")]
    [InlineData("paper-imagenet-swint-random100")]
    [InlineData("paper-cifar100-r50-random10")]
    public void A_paper_preset_runs_from_imported_models_on_tiny_data(string name)
    {
        TorchRuntime.EnsureLoaded();
        var preset = Preset.Get(name);
        bool cifar = preset.Data == PresetData.Cifar100;
        string data = cifar ? TinyCifar100(Path.Combine(_root, "cifar")) : JpegFolder.Write(Path.Combine(_root, "imagenet"), classes: 101, trainPerClass: 2, valPerClass: 1);
        var small = preset with
        {
            Model = preset.Model.Architecture == "swin-t" ? preset.Model : preset.Model with { Width = 8 },
            ImageSize = 32, EvalResize = cifar ? null : 36,
            Normalize = cifar ? preset.Normalize with { ResizeTo = 48 } : preset.Normalize,
        };
        var spec = small.ModelFor(small.LoadData(new DataSearch { ExplicitFolder = data }));
        Assert.Equal(cifar ? 100 : 101, spec.Classes);

        // The Original and Retrain arrive as PyTorch files (one state dict, one safetensors), as the authors' would.
        Seeding.Seed(1);
        using (var original = spec.Create()) PyTorchWeights.Export(original, Path.Combine(_root, "original.pth"));
        using (var retrain = spec.Create()) PyTorchWeights.Export(retrain, Path.Combine(_root, "retrain.safetensors"));
        ForgetRequest? forget = null;
        if (preset.Requires is not null)
        {
            var missing = Assert.Throws<ArgumentException>(() => new ExperimentConfig { Preset = small, Output = _root }.ForgetOrDefault);
            Assert.Contains("--forget-classes-file", missing.Message);
            File.WriteAllText(Path.Combine(_root, "top.txt"), "# two of the classes\nn00000004\nn00000017\n");
            forget = ForgetRequest.OfClassList(Path.Combine(_root, "top.txt"));
        }
        var config = new ExperimentConfig
        {
            Preset = small, Forget = forget, Output = Path.Combine(_root, "run"), Methods = ["retrain", "rl", "ec"],
            OriginalFile = Path.Combine(_root, "original.pth"), RetrainFile = Path.Combine(_root, "retrain.safetensors"),
            Settings = MethodSettings.Parse(["all.steps=2", "all.batch-size=8", "ec.warmup-steps=2"]), Relearning = null,
            ProjectionModels = [], DataSearch = new DataSearch { ExplicitFolder = data },
        };
        var phases = new List<(string, string)>();
        var doc = ExperimentRunner.Run(config, p => phases.Add((p.Model, p.Phase)));

        Assert.Equal(["original", "retrain", "rl", "ec"], doc.Models.Select(m => m.Name));
        Assert.Contains(("original", "import"), phases);
        Assert.Contains(("retrain", "import"), phases);
        Assert.DoesNotContain(phases, p => p.Item2 == "train");
        var expected = forget is not null ? 2 : cifar ? 10 : 100;
        Assert.Equal(expected, doc.Forget.Classes.Count);
        Assert.Equal(small.Model.Architecture == "swin-t" ? ["stage1", "stage2", "stage3", "stage4"] : ["layer1", "layer2", "layer3", "layer4"], doc.Stages);
        // The field's recipe applies under the given options: lr 0.01, momentum 0.9 from the preset; steps and batch from the test.
        var rl = doc.Models.Single(m => m.Name == "rl").Config!;
        Assert.Equal((0.01, 0.9, 2, 8), (rl.LearningRate, rl.Momentum, rl.Steps!.Value, rl.BatchSize));
        output.WriteLine($"{name}: {doc.Timings["total_wall"]:F1} s; forgetting {doc.Forget}");

        // Run again: everything comes from the cache, the imported files included.
        phases.Clear();
        ExperimentRunner.Run(config, p => phases.Add((p.Model, p.Phase)));
        Assert.All(phases.Where(p => p.Item1 != "all"), p => Assert.True(p.Item2 is "cached" or "load" or "report", $"{p.Item1} {p.Item2}"));
        if (name != "paper-imagenet-r50-random100") return;

        // Another Retrain file: every record holds CKA to Retrain, so every model is evaluated again (none unlearned again).
        Seeding.Seed(2);
        using (var other = spec.Create()) PyTorchWeights.Export(other, Path.Combine(_root, "retrain2.pth"));
        phases.Clear();
        ExperimentRunner.Run(config with { RetrainFile = Path.Combine(_root, "retrain2.pth") }, p => phases.Add((p.Model, p.Phase)));
        Assert.Contains(("retrain", "import"), phases);
        Assert.Contains(("rl", "evaluate"), phases);
        Assert.DoesNotContain(("rl", "unlearn"), phases);
    }

    // CIFAR-100's binary format: per image a coarse label byte, a fine label byte and 3072 pixel bytes; two train and one test image per class.
    static string TinyCifar100(string root)
    {
        string folder = Path.Combine(root, Cifar.Cifar100FolderName);
        Directory.CreateDirectory(folder);
        var random = new Random(0);
        byte[] Records(int perClass) => Enumerable.Range(0, 100).SelectMany(c => Enumerable.Range(0, perClass)
            .SelectMany(_ => new[] { (byte)(c / 5), (byte)c }.Concat(Enumerable.Range(0, 3072).Select(p => (byte)((c * 7 + p / 96) % 256 ^ random.Next(32)))))).ToArray();
        File.WriteAllBytes(Path.Combine(folder, "train.bin"), Records(2));
        File.WriteAllBytes(Path.Combine(folder, "test.bin"), Records(1));
        File.WriteAllText(Path.Combine(folder, "fine_label_names.txt"), string.Join("\n", Enumerable.Range(0, 100).Select(i => $"fine{i}")) + "\n");
        File.WriteAllText(Path.Combine(folder, "coarse_label_names.txt"), string.Join("\n", Enumerable.Range(0, 20).Select(i => $"coarse{i}")) + "\n");
        return root;
    }
}
