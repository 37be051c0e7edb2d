using System.Collections;
using System.IO.Compression;
using EraseAtCore.Training;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace EraseAtCore.Interop;

/// <summary>
/// Reads and writes PyTorch weight files through TorchSharp.PyBridge: <c>torch.save</c> zip files
/// (.pth, .pt, .tar, .pth.tar, .bin) holding a state dict or a checkpoint dict with the state dict
/// inside, and .safetensors. Tensors come back on the CPU with the file's names; a DataParallel
/// (<c>module.</c>) or torch.compile (<c>_orig_mod.</c>) prefix on every key is removed.
/// </summary>
public static class PyTorchStateDictFile
{
    /// <summary>Where a checkpoint dict usually keeps its weights, tried in this order when no key is given.</summary>
    public static readonly IReadOnlyList<string> CommonKeys = ["state_dict", "model", "model_state_dict", "net"];

    static readonly string[] WrapperPrefixes = ["module.", "_orig_mod."];

    /// <summary>
    /// Reads the state dict in <paramref name="path"/>. With <paramref name="key"/>, the weights are the
    /// dict under that key of a checkpoint dict; without, the file itself when it is a state dict, else the
    /// first of <see cref="CommonKeys"/> it holds.
    /// </summary>
    /// <exception cref="CheckpointException">The file is missing, unreadable, or holds no state dict where asked (the message says which and what to do).</exception>
    public static Dictionary<string, Tensor> Read(string path, string? key = null)
    {
        Runtime.TorchRuntime.EnsureLoaded();   // before PyBridge's first use (a notebook kernel needs the TorchSharp resolver)
        if (!File.Exists(path)) throw new CheckpointException($"{path}: no such file.");
        // Everything the file holds (optimizer state, EMA weights, ...) is created in this scope; only the selected
        // state dict leaves it.
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> weights = IsSafetensors(path)
            ? ReadSafetensors(path, key)
            : Select(path, ReadPickle(path), key);
        if (weights.Count == 0) throw new CheckpointException($"{path}: the state dict holds no tensors.");
        foreach (var t in weights.Values) t.MoveToOuterDisposeScope();
        return StripWrapperPrefix(weights);
    }

    /// <summary>Writes <paramref name="weights"/> atomically, as a <c>torch.save</c> state dict or, for a .safetensors path, as safetensors.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> weights)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();   // the CPU copies (and their intermediates) die with it
        var onCpu = weights.ToDictionary(p => p.Key, p => p.Value.detach().cpu().contiguous());
        AtomicFile.Write(path, stream =>
        {
            if (IsSafetensors(path)) Safetensors.SaveStateDict(stream, onCpu, leaveOpen: true);
            else PyTorchPickler.PickleStateDict(stream, onCpu, leaveOpen: true);
        });
    }

    static bool IsSafetensors(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    static Dictionary<string, Tensor> ReadSafetensors(string path, string? key)
    {
        if (key is not null) throw new CheckpointException($"{path}: a .safetensors file is a flat state dict; --key applies to checkpoint dicts (.pth, .tar) only.");
        try { return Safetensors.LoadStateDict(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException($"{path}: not a readable safetensors file ({e.Message}). It is truncated or corrupt: download or export it again.", e);
        }
    }

    static Hashtable ReadPickle(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> head = stackalloc byte[4];
            int read = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            // torch.save writes a zip archive since PyTorch 1.6; before, a bare pickle (protocol opcode 0x80).
            if (read >= 1 && head[0] == 0x80)
                throw new CheckpointException($"{path} was written in PyTorch's legacy (pre-1.6) format. Re-save it with a current PyTorch: torch.save(torch.load(f), f).");
            if (read < 4 || !head.SequenceEqual("PK\u0003\u0004"u8))
                throw new CheckpointException($"{path} is not a PyTorch file: torch.save files are zip archives, and .safetensors files need that extension. Check the path.");
            stream.Position = 0;
            return PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (NotImplementedException e) when (e.Message.Contains("entire model"))
        {
            throw new CheckpointException($"{path} holds a whole pickled model, not a state dict. In PyTorch, save model.state_dict() instead: torch.save(model.state_dict(), \"{Path.GetFileName(path)}\").", e);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not CheckpointException)
        {
            throw new CheckpointException($"{path}: not a readable PyTorch file ({e.GetType().Name}: {e.Message}). " +
                "It is truncated or corrupt, or not written by torch.save: download or save it again.", e);
        }
    }

    // A state dict maps names to tensors; a checkpoint dict holds one under a key.
    static Dictionary<string, Tensor> Select(string path, Hashtable root, string? key)
    {
        if (key is not null)
        {
            if (!root.ContainsKey(key))
                throw new CheckpointException($"{path} has no key '{key}'; its top-level keys are {Keys(root)}. Pass the key that holds the weights with --key.");
            return Tensors(path, root[key], $"key '{key}'");
        }
        // A checkpoint dict may hold a stray tensor (best_acc1) beside its state dict: look under the usual keys first.
        foreach (var common in CommonKeys)
            if (root[common] is Hashtable inner) return Tensors(path, inner, $"key '{common}'");
        if (root.Values.OfType<Tensor>().Any()) return Tensors(path, root, "the file");
        throw new CheckpointException($"{path} is a dict without weights at the top level or under {string.Join(", ", CommonKeys)}; " +
            $"its keys are {Keys(root)}. Name the key that holds the state dict with --key.");
    }

    static Dictionary<string, Tensor> Tensors(string path, object? value, string where)
    {
        if (value is not Hashtable table)
            throw new CheckpointException($"{path}: {where} is a {value?.GetType().Name ?? "null"}, not a state dict. Pass the key that holds the weights with --key.");
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in table)
            if (entry.Value is Tensor t) result[(string)entry.Key] = t;
        if (result.Count == 0)
            throw new CheckpointException($"{path}: {where} holds no tensors (keys: {Keys(table)}). Pass the key that holds the weights with --key.");
        return result;
    }

    static string Keys(Hashtable table)
    {
        var keys = table.Keys.Cast<object>().Select(k => k.ToString() ?? "").Order().ToList();
        return keys.Count == 0 ? "(none)" : string.Join(", ", keys.Take(12)) + (keys.Count > 12 ? $" and {keys.Count - 12} more" : "");
    }

    static Dictionary<string, Tensor> StripWrapperPrefix(Dictionary<string, Tensor> weights)
    {
        foreach (var prefix in WrapperPrefixes)
            if (weights.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal)))
                weights = weights.ToDictionary(p => p.Key[prefix.Length..], p => p.Value);
        return weights;
    }
}
