using EraseAtCore.Models;
using EraseAtCore.Training;
using static TorchSharp.torch;

namespace EraseAtCore.Interop;

/// <summary>
/// Moves weights between the kit's models and PyTorch files. The torchvision-layout architectures
/// (<see cref="ModelSpec.TorchvisionName"/>) use torchvision's parameter names, so a file of
/// <c>torchvision.models.resnet50(num_classes=N)</c> loads key for key, and an exported file loads back
/// with <c>load_state_dict(sd, strict=True)</c>.
/// </summary>
public static class PyTorchWeights
{
    /// <summary>
    /// Builds a model of <paramref name="spec"/> and fills it from the PyTorch file <paramref name="path"/>
    /// (see <see cref="PyTorchStateDictFile.Read"/> for the formats and <paramref name="key"/>). Every
    /// parameter and buffer must be present with its shape, and the file must hold nothing else.
    /// </summary>
    /// <returns>The model on the CPU, in eval mode.</returns>
    /// <exception cref="CheckpointException">Unreadable file, or missing, unexpected or wrongly shaped keys, all named.</exception>
    public static StagedModel Import(string path, ModelSpec spec, string? key = null)
    {
        var file = PyTorchStateDictFile.Read(path, key);
        try
        {
            var model = spec.Create();
            try
            {
                Fill(model, file, path);
                model.eval();
                return model;
            }
            catch { model.Dispose(); throw; }
        }
        finally { foreach (var t in file.Values) t.Dispose(); }
    }

    /// <summary>Writes <paramref name="model"/>'s state dict to <paramref name="path"/> (.pth/.pt/.tar: torch.save format; .safetensors).</summary>
    public static void Export(StagedModel model, string path) => PyTorchStateDictFile.Write(path, model.state_dict());

    /// <summary>Copies <paramref name="file"/>'s tensors into <paramref name="model"/> after checking that the names and shapes match exactly.</summary>
    public static void Fill(StagedModel model, IReadOnlyDictionary<string, Tensor> file, string source)
    {
        var target = model.state_dict();
        var missing = target.Keys.Where(k => !file.ContainsKey(k)).ToList();
        var unexpected = file.Keys.Where(k => !target.ContainsKey(k)).Order().ToList();
        var wrongShape = target.Keys.Where(file.ContainsKey)
            .Where(k => !target[k].shape.SequenceEqual(file[k].shape))
            .Select(k => $"{k} (file {Shape(file[k])}, model {Shape(target[k])})").ToList();
        if (missing.Count + unexpected.Count + wrongShape.Count > 0)
            throw new CheckpointException(Mismatch(source, model.Spec, missing, unexpected, wrongShape, file));
        using var _ = no_grad();
        foreach (var (name, tensor) in target) tensor.copy_(file[name]);
    }

    static string Mismatch(string source, ModelSpec spec, List<string> missing, List<string> unexpected, List<string> wrongShape, IReadOnlyDictionary<string, Tensor> file)
    {
        static string List(string what, List<string> names) =>
            names.Count == 0 ? "" : $" {what} ({names.Count}): {string.Join(", ", names.Take(10))}{(names.Count > 10 ? $" and {names.Count - 10} more" : "")}.";
        string target = spec.TorchvisionName is { } tv ? $"torchvision's {tv}(num_classes={spec.Classes})" : spec.Describe();
        string hint = ClassifierOutputs(file) is { } classes && classes != spec.Classes
            ? $" The file's classifier has {classes} outputs: pass --classes {classes}."
            : GuessArchitecture(file) is { } guess && guess != spec.Architecture
                ? $" Its keys look like {guess}: pass --arch {guess}."
                : " Check --arch (and --key for a checkpoint dict).";
        return $"{source} does not fit {target}:" + List("missing keys", missing) + List("unexpected keys", unexpected) +
               List("wrongly shaped keys", wrongShape) + hint + " Nothing was written.";
    }

    // torchvision's layouts told apart by keys only they have.
    static string? GuessArchitecture(IReadOnlyDictionary<string, Tensor> file) =>
        file.ContainsKey("features.1.0.attn.relative_position_bias_table") ? "swin-t"
        : file.ContainsKey("layer1.0.conv3.weight") && file.ContainsKey("layer3.5.conv1.weight") ? "resnet50-imagenet"
        : file.ContainsKey("layer1.0.conv1.weight") && file.ContainsKey("fc.weight")
            ? file.ContainsKey("layer3.5.conv1.weight") ? "resnet34-imagenet" : "resnet18-imagenet"
        : null;

    // The row count of the last-layer weight of torchvision's networks (fc for ResNets, head for Swin and ViTs).
    static long? ClassifierOutputs(IReadOnlyDictionary<string, Tensor> file)
    {
        foreach (var name in new[] { "fc.weight", "head.weight", "linear.weight" })
            if (file.TryGetValue(name, out var w) && w.dim() == 2) return w.shape[0];
        return null;
    }

    static string Shape(Tensor t) => t.dim() == 0 ? "scalar" : string.Join("x", t.shape);
}
