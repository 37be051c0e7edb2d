using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EraseAtCore.Training;

namespace EraseAtCore.Experiments;

/// <summary>A finished step as stored on disk: its fingerprint, its record, and its projection if one was made.</summary>
/// <param name="Key">Fingerprint of everything the step depends on.</param>
/// <param name="Record">The step's measures.</param>
/// <param name="Projection">PCA picture of its last-stage features, when the runner made one.</param>
public sealed record StepFile(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("record")] ModelRecord Record,
    [property: JsonPropertyName("projection")] ProjectionRecord? Projection);

/// <summary>
/// An experiment's output folder and its cache of finished steps: <c>models/seed{S}/{name}.ckpt</c> and
/// <c>steps/seed{S}/{name}.json</c>, each written atomically. A step is reused only when its stored key equals
/// the key of the step about to run, so a rerun after a crash continues and a changed setting recomputes.
/// </summary>
public sealed class RunFolder(string root)
{
    /// <summary>JSON settings of results files: snake_case names as declared, indented, NaN never written.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Where a model's checkpoint lives.</summary>
    public string Checkpoint(string name, int seed) => Path.Combine(Root, "models", $"seed{seed}", FileName(name) + ".ckpt");

    /// <summary>Where a finished step's record lives.</summary>
    public string Step(string name, int seed) => Path.Combine(Root, "steps", $"seed{seed}", FileName(name) + ".json");

    /// <summary>A path in the folder.</summary>
    public string File(string name) => Path.Combine(Root, name);

    /// <summary>
    /// The stored step when its key matches <paramref name="key"/> and its checkpoint is the model of <paramref name="modelKey"/>
    /// (a run that produced no model, status diverged, has none), else null: a step is never served beside another model.
    /// </summary>
    public StepFile? TryLoadStep(string name, int seed, string key, string modelKey) =>
        TryLoadRecord(name, seed, key) is { } step && (!step.Record.IsResult || HasModel(name, seed, modelKey)) ? step : null;

    /// <summary>The stored step when its key matches, whether or not its checkpoint is in this folder (a study's shared Original is not).</summary>
    public StepFile? TryLoadRecord(string name, int seed, string key)
    {
        string path = Step(name, seed);
        if (!System.IO.File.Exists(path)) return null;
        try
        {
            var step = JsonSerializer.Deserialize<StepFile>(System.IO.File.ReadAllText(path), Json);
            return step?.Key == key ? step : null;
        }
        catch (JsonException) { return null; } // an unreadable record is recomputed, never trusted
    }

    /// <summary>Stores a finished step atomically.</summary>
    public void SaveStep(string name, int seed, StepFile step)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Step(name, seed))!);
        AtomicFile.WriteAllText(Step(name, seed), JsonSerializer.Serialize(step, Json));
    }

    /// <summary>
    /// True when the checkpoint of <paramref name="name"/> exists, is whole, and was made with the settings whose cache key is
    /// <paramref name="key"/> (stored inside it): a run killed during evaluation then evaluates the finished model instead of
    /// training it again. Checkpoints from before the key moved into the file have none and are made again (their keys were
    /// computed another way and could not match anyway).
    /// </summary>
    public bool HasModel(string name, int seed, string key)
    {
        string ckpt = Checkpoint(name, seed);
        if (!System.IO.File.Exists(ckpt)) return false;
        try { return Training.Checkpoint.ReadInfo(ckpt).CacheKey == key; }
        catch (CheckpointException) { return false; }   // truncated or corrupt: made again, never trusted
    }

    /// <summary>
    /// Deletes the temporary files of atomic writes a killed process left behind (<c>.name.pid.guid.tmp</c>); call it only
    /// while holding the folder's <see cref="RunFolderLock"/>, when no other process can be writing one. Returns how many.
    /// </summary>
    public int RemoveLeftovers()
    {
        if (!Directory.Exists(Root)) return 0;
        // A folder inside this one may be another run's, with its own lock (a study's requests): a temp file of a live process stays.
        var leftovers = Directory.EnumerateFiles(Root, ".*.tmp", SearchOption.AllDirectories).Where(f => !WriterAlive(f)).ToList();
        foreach (var file in leftovers) System.IO.File.Delete(file);
        return leftovers.Count;
    }

    // AtomicFile names its temp files .<name>.<pid>.<guid>.tmp.
    static bool WriterAlive(string tempFile)
    {
        var parts = Path.GetFileName(tempFile).Split('.');
        if (parts.Length < 4 || !int.TryParse(parts[^3], out int pid)) return false;
        if (pid == Environment.ProcessId) return true;
        try { using var process = System.Diagnostics.Process.GetProcessById(pid); return !process.HasExited; }
        catch (ArgumentException) { return false; }   // no such process
    }

    /// <summary>Removes a model's checkpoint, when a run with its name produced no model.</summary>
    public void DeleteModel(string name, int seed) => System.IO.File.Delete(Checkpoint(name, seed));

    /// <summary>A short stable fingerprint of <paramref name="parts"/> (serialised as JSON, SHA-256, 16 hex digits).</summary>
    public static string Key(params object?[] parts)
    {
        var json = JsonSerializer.Serialize(parts, Training.Checkpoint.Json);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16].ToLowerInvariant();
    }

    /// <summary>
    /// File name of a model: '+' becomes 'p' (neggrad+ -> neggradp, rl+ec -> rlpec), as `erase-core unlearn` names them;
    /// a variant's settings become '_key-value' parts (ec:lr=0.02,a=0.5 -> ec_lr-0.02_a-0.5).
    /// </summary>
    public static string FileName(string name)
    {
        var safe = name.Replace('+', 'p').Replace(':', '_').Replace(',', '_').Replace('=', '-');
        return new string(safe.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-').ToArray());
    }
}
