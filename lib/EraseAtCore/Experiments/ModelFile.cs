using System.Security.Cryptography;
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

    /// <summary>The SHA-256 of the file's content (hex), so a replaced file is never served from the cache.</summary>
    public static string Fingerprint(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: no such model file.");
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
