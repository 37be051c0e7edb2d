using System.Text;
using EraseAtCore.Experiments;

namespace EraseAtCore.Cli.Slurm;

/// <summary>
/// The sbatch scripts of a sweep, written into its root: bases.sbatch and shards.sbatch (job arrays, one task per base
/// task or shard, each running `erase-core sweep-task`), merge.sbatch (one job, `erase-core merge --sweep`), and
/// submit.sh, which submits the three chained by dependencies. Logs go to ROOT/logs.
/// </summary>
static class SweepScripts
{
    public const string Bases = "bases.sbatch", Shards = "shards.sbatch", Merge = "merge.sbatch", Submit = "submit.sh";

    /// <summary>Writes the scripts for <paramref name="plan"/> with the Slurm settings of <paramref name="setup"/>.</summary>
    public static void Write(string root, SweepPlan plan, SlurmSetup setup)
    {
        Directory.CreateDirectory(Path.Combine(root, "logs"));
        var resources = setup.Resources;
        string kit = string.Join(' ', setup.Command.Select(Quote));
        Save(root, Bases, Script(root, "bases", resources, $"{kit} sweep-task {Quote(root)} --base \"$SLURM_ARRAY_TASK_ID/{plan.Bases.Count}\"",
            "the Original of each preset and seed, then each forget request's Retrain", plan.Bases.Count));
        Save(root, Shards, Script(root, "shards", resources, $"{kit} sweep-task {Quote(root)} --shard \"$SLURM_ARRAY_TASK_ID/{plan.Shards.Count}\"",
            "every other model, dealt to shards by estimated cost", plan.Shards.Count));
        // The merge reads JSON files only: no GPU, little memory, minutes.
        var light = resources with { GpusPerTask = 0, CpusPerTask = 1, Memory = "4G", Time = "1:00:00" };
        Save(root, Merge, Script(root, "merge", light, $"{kit} merge --sweep {Quote(root)}", "merge every experiment's results; names the unfinished tasks when some are"));
        Save(root, Submit, SubmitScript(root, setup.MergeAfter));
    }

    /// <summary>The three sbatch calls, chained: shards after the bases succeed (killed if they cannot), the merge after the shards.</summary>
    public static string SubmitScript(string root, MergeAfter mergeAfter, IReadOnlyList<int>? bases = null, IReadOnlyList<int>? shards = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine("#!/bin/bash");
        sb.AppendLine("# Submits the sweep: the base tasks, then the shards once they all succeeded, then the merge. Written by erase-core sweep.");
        sb.AppendLine("set -euo pipefail");
        sb.AppendLine("# sbatch --parsable prints the job id, or id;cluster on multi-cluster sites: keep the id.");
        // Submits one script as $job and prints its id (the line `sweep --submit` records).
        void Submit(string job, string options, string script)
        {
            sb.AppendLine($"{job}=$(sbatch --parsable{options} {Quote(root)}/{script})");
            sb.AppendLine($"{job}=${{{job}%%;*}}");
            sb.AppendLine($"echo \"{job}: job ${job}\"");
        }
        string after = "", mergeAfterJob = "";
        if (bases is null || bases.Count > 0)
        {
            Submit("bases", ArrayOverride(bases), Bases);
            after = " --kill-on-invalid-dep=yes --dependency=afterok:$bases";
            mergeAfterJob = "$bases";
        }
        if (shards is null || shards.Count > 0)
        {
            Submit("shards", after + ArrayOverride(shards), Shards);
            mergeAfterJob = "$shards";
        }
        Submit("merge", mergeAfterJob.Length == 0 ? "" : $" --dependency={(mergeAfter == MergeAfter.Any ? "afterany" : "afterok")}:{mergeAfterJob}", Merge);
        return sb.ToString();
    }

    static string ArrayOverride(IReadOnlyList<int>? tasks) => tasks is null ? "" : $" --array={string.Join(',', tasks)}";

    // One job's script; with arrayTasks, a job array whose task ids are 1..arrayTasks (a task's log is name-TASK-JOB.out).
    static string Script(string root, string name, SlurmResources resources, string run, string what, int? arrayTasks = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine("#!/bin/bash");
        sb.AppendLine($"# erase-core sweep, {name}: {what}.");
        if (arrayTasks is not null)
            sb.AppendLine($"# One array task each; rerun some with: sbatch --array=2,5 {Quote(Path.Combine(root, name + ".sbatch"))} (each reuses its finished models).");
        sb.AppendLine($"#SBATCH --job-name=erase-core-{name}");
        if (arrayTasks is { } tasks) sb.AppendLine($"#SBATCH --array=1-{tasks}");
        // Quoted for a root with spaces; a '%' of the root doubled, since Slurm reads %x in the file name as a pattern.
        string log = Path.Combine(root.Replace("%", "%%"), "logs", name + (arrayTasks is null ? "-%j.out" : "-%a-%A.out"));
        sb.AppendLine($"#SBATCH --output=\"{log}\"");
        foreach (var line in resources.Lines()) sb.AppendLine(line);
        sb.AppendLine("set -euo pipefail");
        sb.AppendLine($"exec {run}");
        return sb.ToString();
    }

    static void Save(string root, string name, string text)
    {
        string path = Path.Combine(root, name);
        AtomicFile.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())   // Slurm clusters run Linux; on Windows the plan is only looked at
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    /// <summary>Quotes a word for bash when it needs it.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ':' or '=' or ',' or '@') ? word : "'" + word.Replace("'", "'\\''") + "'";
}
