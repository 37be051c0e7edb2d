using System.Text.Json;

namespace EraseAtCore.Runtime;

/// <summary>
/// Self-test verdicts on disk, one small JSON file per CPU model and libtorch build, so that only the first process
/// on a machine pays for the test: <c>$XDG_CACHE_HOME/erase-core/cpu-kernels/</c>, else <c>~/.cache/erase-core/cpu-kernels/</c>.
/// </summary>
public sealed class CpuVerdictCache(string directory)
{
    // Nullable annotations respected, so a hand-edited "caps": null is a damaged file (test again), not a crash later;
    // the status as a name, so the file reads as what it says.
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, RespectNullableAnnotations = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The folder the verdicts live in.</summary>
    public string Directory { get; } = directory;

    /// <summary>The cache in the user's cache folder.</summary>
    public static CpuVerdictCache Default { get; } = new(Path.Combine(UserCache.Root, "cpu-kernels"));

    /// <summary>The file for <paramref name="key"/>.</summary>
    public string PathFor(string key) => Path.Combine(Directory, key + ".json");

    /// <summary>The verdict stored under <paramref name="key"/>, or null when there is none or it cannot be read (then the test runs again).</summary>
    public CpuKernelVerdict? Read(string key)
    {
        try { return JsonSerializer.Deserialize<CpuKernelVerdict>(File.ReadAllText(PathFor(key)), Json); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException) { return null; }
    }

    /// <summary>Stores <paramref name="verdict"/> under <paramref name="key"/> atomically; a cache that cannot be written costs a repeat test, not an error.</summary>
    public bool Write(string key, CpuKernelVerdict verdict)
    {
        string path = PathFor(key), temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllText(temporary, JsonSerializer.Serialize(verdict, Json));
            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (Exception) { }
            return false;
        }
    }
}
