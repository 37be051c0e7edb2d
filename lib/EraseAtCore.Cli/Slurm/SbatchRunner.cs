using System.Diagnostics;
using System.Text.RegularExpressions;

namespace EraseAtCore.Cli.Slurm;

/// <summary>
/// Runs a sweep's submit script (it calls sbatch), relays the job ids it prints and records them in the root
/// (submitted-jobs.txt), so that a resubmission can refuse while any of them is still queued or running.
/// </summary>
static partial class SbatchRunner
{
    const string JobsFile = "submitted-jobs.txt";

    /// <summary>Refuses, before anything is written, when sbatch is not on PATH.</summary>
    public static void CheckAvailable()
    {
        if (!OnPath("sbatch"))
            throw new ArgumentException("--submit: sbatch is not on PATH. Run this on a Slurm login node, or drop --submit and run the printed commands there.");
    }

    /// <summary>Runs <paramref name="script"/> with bash and records the job ids it prints; a refused submission is a clear error.</summary>
    public static string Run(string root, string script)
    {
        CheckAvailable();
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new IOException("Could not start bash to submit the sweep.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var ids = JobLine().Matches(stdout).Select(m => m.Groups[1].Value).ToList();
        if (ids.Count > 0)
        {
            string file = Path.Combine(root, JobsFile);
            AtomicFile.WriteAllText(file, (File.Exists(file) ? File.ReadAllText(file) : "") + string.Join('\n', ids) + "\n");
        }
        if (process.ExitCode != 0)
            throw new ArgumentException($"--submit: sbatch refused the sweep ({script} exited {process.ExitCode}): {stderr.Result.Trim()} {stdout.Trim()}".Trim());
        return stdout;
    }

    /// <summary>The jobs submitted for the sweep in <paramref name="root"/> that Slurm still lists (queued or running); empty without squeue.</summary>
    public static IReadOnlyList<string> StillListed(string root)
    {
        string file = Path.Combine(root, JobsFile);
        if (!File.Exists(file) || !OnPath("squeue")) return [];
        var submitted = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet();
        // Every job Slurm lists, by its base id (an array's tasks share it); ids of ended jobs are simply not there.
        var start = new ProcessStartInfo("squeue", ["-h", "-o", "%F"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new IOException("Could not start squeue.");
        string listed = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new ArgumentException($"squeue failed ({process.StandardError.ReadToEnd().Trim()}): cannot tell whether the sweep's jobs still run; retry when the controller answers.");
        return listed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(submitted.Contains).Distinct().ToList();
    }

    [GeneratedRegex(@"^\w+: job (\d+)$", RegexOptions.Multiline)]
    private static partial Regex JobLine();

    static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, program)));
}
