namespace EraseAtCore.Cli.Slurm;

/// <summary>What each array task asks Slurm for, as `#SBATCH` lines; null fields are left to the cluster's defaults.</summary>
/// <param name="Partition">--partition.</param>
/// <param name="GpusPerTask">--gpus-per-task (0: none asked).</param>
/// <param name="CpusPerTask">--cpus-per-task.</param>
/// <param name="Time">--time, Slurm's forms (e.g. 4:00:00, 2-00:00:00).</param>
/// <param name="Memory">--mem, Slurm's forms (e.g. 32G).</param>
/// <param name="ExtraLines">Further `#SBATCH` lines, verbatim (account, QOS, constraints...).</param>
sealed record SlurmResources(string? Partition, int GpusPerTask, int? CpusPerTask, string? Time, string? Memory, IReadOnlyList<string> ExtraLines)
{
    /// <summary>Reads a file of extra `#SBATCH` lines: blank lines and lines of other comments skipped; anything else refused.</summary>
    public static IReadOnlyList<string> ReadExtraLines(string file)
    {
        if (!File.Exists(file)) throw new ArgumentException($"--sbatch-extra {file}: no such file.");
        var lines = new List<string>();
        foreach (var (line, number) in File.ReadAllLines(file).Select((l, i) => (l.Trim(), i + 1)))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("#SBATCH ", StringComparison.Ordinal))
            {
                if (OwnedBySweep.FirstOrDefault(o => line[8..].TrimStart().StartsWith(o, StringComparison.Ordinal)) is { } owned)
                    throw new ArgumentException($"--sbatch-extra {file}: line {number} sets {owned}, which the sweep's scripts set themselves (the array, its logs, its name); drop it.");
                lines.Add(line);
            }
            else if (!line.StartsWith('#') || line.StartsWith("#SBATCH", StringComparison.Ordinal))
                throw new ArgumentException($"--sbatch-extra {file}: line {number} ('{line}') is not an '#SBATCH --option' line; the file holds only those (and # comments).");
        }
        return lines;
    }

    // Options the scripts set and rely on: an --array of the extra lines would run the wrong tasks, an --output would hide the logs.
    static readonly string[] OwnedBySweep = ["--array", "-a ", "--output", "-o ", "--error", "-e ", "--job-name", "-J ", "--dependency", "-d "];

    /// <summary>The `#SBATCH` lines for these resources.</summary>
    public IEnumerable<string> Lines()
    {
        if (Partition is { } p) yield return $"#SBATCH --partition={p}";
        if (GpusPerTask > 0) yield return $"#SBATCH --gpus-per-task={GpusPerTask}";
        if (CpusPerTask is { } c) yield return $"#SBATCH --cpus-per-task={c}";
        if (Time is { } t) yield return $"#SBATCH --time={t}";
        if (Memory is { } m) yield return $"#SBATCH --mem={m}";
        foreach (var line in ExtraLines) yield return line;
    }
}
