using System.Security.Cryptography;
using EraseAtCore.Data;
using EraseAtCore.Interop;
using EraseAtCore.Models;
using EraseAtCore.Training;

namespace EraseAtCore.Experiments;

/// <summary>A model given as a file to start from: a checkpoint of the kit or a PyTorch weight file.</summary>
public static class ModelFile
{
    /// <summary>
    /// Loads <paramref name="path"/> as a model of <paramref name="spec"/>: a .ckpt through <see cref="Checkpoint.Load"/>, anything
    /// else as a PyTorch state dict through <see cref="PyTorchWeights.Import"/>. On the CPU, in eval mode.
    /// </summary>
    /// <exception cref="CheckpointException">Missing, unreadable, or not a <paramref name="spec"/> (the message lists why).</exception>
    public static StagedModel Load(string path, ModelSpec spec) =>
        path.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase) ? Checkpoint.Load(path, spec).Model : PyTorchWeights.Import(path, spec);

    /// <summary>
    /// Loads <paramref name="path"/> for <paramref name="data"/>: a .ckpt as the model it describes (<see cref="LoadCheckpointFor"/>),
    /// a PyTorch file, which carries no description, as the preset's architecture. On the CPU, in eval mode.
    /// </summary>
    public static StagedModel LoadFor(string path, Preset preset, Dataset data) =>
        path.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase) ? LoadCheckpointFor(path, preset, data).Model : PyTorchWeights.Import(path, preset.ModelFor(data));

    /// <summary>
    /// Loads a checkpoint of the kit as the model it describes (any architecture, width or ViT options it was made with) and
    /// checks that it fits <paramref name="data"/>: trained on it, with its channels and classes. The preset supplies only the
    /// data and its normalisation, so a model trained with <c>--width</c> or <c>--arch</c> needs no option to be read back.
    /// </summary>
    /// <exception cref="CheckpointException">Missing, unreadable, or made for other data (the message says which and what to pass).</exception>
    public static LoadedCheckpoint LoadCheckpointFor(string path, Preset preset, Dataset data)
    {
        var loaded = Checkpoint.Load(path);   // one read: verified, rebuilt from its own description
        var (info, spec) = (loaded.Info, loaded.Info.Model);
        string? mismatch = info.Dataset != data.Name ? $"it was trained on {info.Dataset}, but preset {preset.Name} loads {data.Name}"
            : spec.InChannels != data.Train.Channels ? $"its model takes {spec.InChannels} input channels, but {data.Name} has {data.Train.Channels}"
            : spec.Classes != data.ClassCount ? $"its model has {spec.Classes} classes, but {data.Name} has {data.ClassCount}"
            : spec.Architecture == "vit" && spec.ImageSize != data.Train.Height ? $"its ViT takes {spec.ImageSize}-pixel images, but {data.Name} has {data.Train.Height}"
            : null;
        if (mismatch is null) return loaded;
        loaded.Model.Dispose();
        throw new CheckpointException($"{path} does not fit this data: {mismatch}. Pass the --preset (and --data-dir) the model was trained with.");
    }

    /// <summary>The SHA-256 of the file's content (hex), so a replaced file is never served from the cache.</summary>
    public static string Fingerprint(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: no such model file.");
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
