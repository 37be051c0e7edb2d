using System.Text.Json;
using EraseAtCore.Experiments;

namespace EraseAtCore.Cli.Slurm;

/// <summary>
/// The scheduler side of a sweep, kept beside sweep.json (slurm.json): what each task asks for, how nodes start erase-core,
/// and when the merge runs. `sweep --resume` reads it, takes new values for any given again (a longer --time for a task
/// that ran out of it), and writes the scripts again.
/// </summary>
/// <param name="Resources">What each task asks Slurm for.</param>
/// <param name="Command">How a compute node starts erase-core.</param>
/// <param name="MergeAfter">When the merge job runs.</param>
sealed record SlurmSetup(SlurmResources Resources, IReadOnlyList<string> Command, MergeAfter MergeAfter)
{
    const string FileName = "slurm.json";

    public static SlurmSetup Read(string root)
    {
        string file = Path.Combine(root, FileName);
        if (!File.Exists(file)) throw new ArgumentException($"No {FileName} in '{root}': plan the sweep with `erase-core sweep --root {root}` first.");
        try { return JsonSerializer.Deserialize<SlurmSetup>(File.ReadAllText(file), RunFolder.Json) ?? throw new ArgumentException($"'{file}' is empty."); }
        catch (JsonException e) { throw new ArgumentException($"'{file}' is not a sweep's Slurm settings ({e.Message})."); }
    }

    public void Write(string root) => AtomicFile.WriteAllText(Path.Combine(root, FileName), JsonSerializer.Serialize(this, RunFolder.Json));
}
