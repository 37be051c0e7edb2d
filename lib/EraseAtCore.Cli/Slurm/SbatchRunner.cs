using System.Diagnostics;

namespace EraseAtCore.Cli.Slurm;

/// <summary>Runs a submit script of a sweep (it calls sbatch) and relays what it prints: the job ids.</summary>
static class SbatchRunner
{
    /// <summary>Runs <paramref name="script"/> with bash; a missing sbatch or a refused submission is a clear error.</summary>
    public static string Run(string script)
    {
        if (!OnPath("sbatch"))
            throw new ArgumentException("--submit: sbatch is not on PATH. Run this on a Slurm login node, or drop --submit and run the printed commands there.");
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new IOException("Could not start bash to submit the sweep.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new ArgumentException($"--submit: sbatch refused the sweep ({script} exited {process.ExitCode}): {stderr.Result.Trim()} {stdout.Trim()}".Trim());
        return stdout;
    }

    static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, program)));
}
