using EraseAtCore.Interop;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Interop;

/// <summary>
/// The torchvision-layout models against torchvision itself: files written by PyTorch import, give the
/// same logits and stage outputs on the same input, and exported files load back into torchvision with
/// strict=True. Needs Debian's python3-torch and python3-torchvision (see <see cref="PyTorchReference"/>).
/// </summary>
public sealed class TorchvisionEquivalenceTests : IDisposable
{
    // Relative to the largest magnitude of each reference tensor: max |kit - torchvision| / max |torchvision|.
    const double Tolerance = 1e-3;
    readonly ITestOutputHelper _output;
    readonly string _root = Directory.CreateTempSubdirectory("erase-core-torchvision-").FullName;

    public TorchvisionEquivalenceTests(ITestOutputHelper output) { _output = output; TorchRuntime.EnsureLoaded(); }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("resnet50", "resnet50-imagenet", "tar", 224)]          // a checkpoint dict, weights under state_dict
    [InlineData("swin_t", "swin-t", "pth", 224)]                       // a plain state dict
    [InlineData("resnet18", "resnet18-imagenet", "dataparallel", 224)] // keys prefixed with module.
    [InlineData("swin_t", "swin-t", "dataparallel", 100)]              // 25 x 25 tokens: padded windows and odd merges
    public void Imported_torchvision_weights_give_torchvision_logits_and_stage_outputs(string torchvision, string arch, string format, int size)
    {
        if (!PyTorchReference.Available()) return;
        string dir = Path.Combine(_root, torchvision);
        PyTorchReference.Run("make", torchvision, "37", dir, "--as", format, "--size", size.ToString());
        string file = Path.Combine(dir, format == "tar" ? "weights.tar" : "weights.pth");

        using var model = PyTorchWeights.Import(file, new ModelSpec(arch, 3, 37));
        Compare(model, dir);
    }

    [Theory]
    [InlineData("resnet50", "resnet50-imagenet")]
    [InlineData("swin_t", "swin-t")]
    public void Exported_weights_load_strictly_into_torchvision_and_compute_the_same(string torchvision, string arch)
    {
        if (!PyTorchReference.Available()) return;
        Seeding.Seed(3);
        using var model = new ModelSpec(arch, 3, 37).Create();
        model.eval();
        string exported = Path.Combine(_root, "exported.pth"), input = Path.Combine(_root, "input.npy"), back = Path.Combine(_root, "back");
        PyTorchWeights.Export(model, exported);
        using (var x = randn(2, 3, 224, 224)) Npy.Write(input, x);

        string said = PyTorchReference.Run("load", torchvision, "37", exported, input, back);   // load_state_dict(..., strict=True)
        Assert.Contains("strict load ok", said);
        File.Copy(input, Path.Combine(back, "input.npy"));
        Compare(model, back);
    }

    void Compare(StagedModel model, string reference)
    {
        using var scope = NewDisposeScope();
        var input = Npy.Read(Path.Combine(reference, "input.npy"));
        StagedOutput output;
        using (no_grad()) output = model.ForwardWithStages(input, model.StageNames.ToArray());
        var expected = new Dictionary<string, Tensor> { ["logits"] = output.Logits };
        foreach (var (stage, value) in output.Stages) expected[stage] = value;
        foreach (var (name, kit) in expected)
        {
            var torchvision = Npy.Read(Path.Combine(reference, name + ".npy"));
            Assert.Equal(torchvision.shape, kit.shape);
            double error = (kit - torchvision).abs().max().item<float>() / torchvision.abs().max().item<float>();
            _output.WriteLine($"{model.Spec.Architecture} {name} {string.Join("x", kit.shape)}: relative error {error:E2}");
            Assert.True(error <= Tolerance, $"{model.Spec.Architecture} {name}: relative error {error:E2} > {Tolerance:E0}");
        }
    }
}
