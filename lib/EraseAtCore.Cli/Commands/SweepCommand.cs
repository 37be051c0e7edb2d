using System.CommandLine;
using System.Text.Json;
using EraseAtCore.Cli.Slurm;
using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Runtime;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>
/// `erase-core sweep`: a grid of reproduce runs (presets x forget requests x seeds x models) as Slurm job arrays. Writes
/// the plan (sweep.json), the Slurm settings (slurm.json) and the sbatch scripts into --root, and with --submit submits
/// them chained by dependencies; --resume resubmits only the tasks that have not finished.
/// </summary>
static class SweepCommand
{
    public static Command Create()
    {
        var root = new Option<string>("--root") { Description = "The sweep's folder on storage every node sees: sweep.json, the scripts, logs/, and per preset and request the runs and merged results.", Required = true };
        var presets = new Option<string[]>("--preset") { Description = "Presets to run, e.g. --preset cifar100 imagenet (default quick).", AllowMultipleArgumentsPerToken = true };
        var forgetSets = new Option<string[]>("--forget-set") { Description = $"Forget requests, each a whole experiment: {ForgetRequest.SpecForms}. Default: each preset's own.", AllowMultipleArgumentsPerToken = true };
        var shards = new Option<int?>("--shards") { Description = $"Array tasks for the models beyond the Originals and Retrains, dealt by estimated cost (default {SweepPlan.DefaultShards}, or fewer when there are fewer models)." };
        var experiment = new ExperimentOptions();
        var partition = new Option<string?>("--partition") { Description = "Slurm partition of every task." };
        var gpus = new Option<int?>("--gpus-per-task") { Description = "GPUs per array task (default none; run the CUDA build with --device cuda)." };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "CPUs per array task (default: the cluster's)." };
        var time = new Option<string?>("--time") { Description = "Time limit per array task, Slurm's forms (e.g. 8:00:00); see the estimates this prints." };
        var memory = new Option<string?>("--mem") { Description = "Memory per array task, Slurm's forms (e.g. 32G)." };
        var extra = new Option<string?>("--sbatch-extra") { Description = "A file of further '#SBATCH --option' lines for every task (account, QOS, constraints)." };
        var mergeAfter = new Option<string?>("--merge-after") { Description = "Run the merge after the shards 'any'how ended (it then names the unfinished tasks; the default) or only when all are 'ok'." };
        mergeAfter.AcceptOnlyFromAmong("any", "ok");
        var command = new Option<string?>("--command") { Description = "How compute nodes start erase-core (default: as this one was started, by absolute path)." };
        var retrainMinutes = new Option<double?>("--retrain-minutes") { Description = "Minutes one Retrain takes on a task's hardware, to turn the cost estimates into times." };
        var submit = new Option<bool>("--submit") { Description = "Submit with sbatch and print the job ids (else print the script and the command)." };
        var resume = new Option<bool>("--resume") { Description = "Resubmit only the unfinished tasks of the sweep in --root (each reuses its finished models), then the merge; Slurm options given again replace the stored ones." };
        var cmd = new Command("sweep", "Run a grid of experiments on a Slurm cluster: job arrays for the Originals and Retrains, then shards of the other models, then a merge.")
            { root, presets, forgetSets, shards, partition, gpus, cpus, time, memory, extra, mergeAfter, command, retrainMinutes, submit, resume };
        experiment.AddTo(cmd);
        Option[] planShaping = [presets, forgetSets, shards, .. experiment.All];
        cmd.SetAction(parse =>
        {
            string folder = Path.GetFullPath(parse.GetValue(root)!);
            double? minutes = parse.GetValue(retrainMinutes) is { } m ? (m > 0 && double.IsFinite(m) ? m : throw new ArgumentException($"--retrain-minutes must be positive, got {m}.")) : null;
            bool resuming = parse.GetValue(resume);
            if (resuming && planShaping.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } given)
                throw new ArgumentException($"--resume takes the grid from {Path.Combine(folder, SweepPlan.FileName)}; drop {given.Name} (or plan a new sweep into another --root).");

            // Slurm settings: the stored ones (on --resume) under any given now.
            var stored = resuming ? SlurmSetup.Read(folder) : null;
            var storedResources = stored?.Resources ?? new SlurmResources(null, 0, null, null, null, []);
            var resources = new SlurmResources(
                parse.GetValue(partition) ?? storedResources.Partition,
                parse.GetValue(gpus) is { } g ? (g >= 0 ? g : throw new ArgumentException("--gpus-per-task cannot be negative.")) : storedResources.GpusPerTask,
                parse.GetValue(cpus) is { } c ? (c >= 1 ? c : throw new ArgumentException("--cpus-per-task must be at least 1.")) : storedResources.CpusPerTask,
                parse.GetValue(time) ?? storedResources.Time, parse.GetValue(memory) ?? storedResources.Memory,
                parse.GetValue(extra) is { } file ? SlurmResources.ReadExtraLines(file) : storedResources.ExtraLines);
            var setup = new SlurmSetup(resources,
                parse.GetValue(command) is { } text ? KitCommand.Parse(text) : stored?.Command ?? KitCommand.Current(),
                parse.GetValue(mergeAfter) is { } after ? (after == "ok" ? MergeAfter.Ok : MergeAfter.Any) : stored?.MergeAfter ?? MergeAfter.Any);
            bool submitting = parse.GetValue(submit);
            if (submitting) SbatchRunner.CheckAvailable();   // before anything is written
            return resuming ? Resume(folder, SweepPlan.Read(folder), setup, stored!, submitting, minutes) : Plan(parse, folder, setup, submitting, minutes);
        });

        int Plan(ParseResult parse, string folder, SlurmSetup setup, bool submitting, double? minutes)
        {
            var settings = experiment.Read(parse, absolutePaths: true);
            settings = settings with { Device = DeviceChoice.CheckSpelling(settings.Device) };   // resolved on the compute nodes
            var names = parse.GetValue(presets) is { Length: > 0 } p ? p : ["quick"];
            foreach (var name in names) ExperimentOptions.Check(settings, Preset.Get(name));
            var requests = (parse.GetValue(forgetSets) ?? []).Select(ForgetRequest.Parse).ToList();
            var plan = SweepPlan.Make(settings, names, requests, parse.GetValue(shards));
            OutputPath.CheckWritableFolder(folder, "--root");
            if (File.Exists(Path.Combine(folder, SweepPlan.FileName))
                && JsonSerializer.Serialize(SweepPlan.Read(folder), RunFolder.Json) != JsonSerializer.Serialize(plan, RunFolder.Json))
                throw new ArgumentException($"{folder} holds another sweep's plan: give a new --root, or continue that one with --resume.");
            plan.Write(folder);
            setup.Write(folder);
            SweepScripts.Write(folder, plan, setup);
            Describe(plan, minutes);
            string submitScript = Path.Combine(folder, SweepScripts.Submit);
            if (submitting)
            {
                Console.Write(SbatchRunner.Run(folder, submitScript));
                Console.WriteLine($"submitted; follow with squeue, logs in {Path.Combine(folder, "logs")}; merged results go to {folder}/PRESET/REQUEST/");
            }
            else
            {
                Console.WriteLine($"--- {Path.Combine(folder, SweepScripts.Shards)}");
                Console.Write(File.ReadAllText(Path.Combine(folder, SweepScripts.Shards)));
                Console.WriteLine($"--- submit all three, chained (bases, then shards, then the merge): bash {SweepScripts.Quote(submitScript)}");
                Console.Write(File.ReadAllText(submitScript));
            }
            return 0;
        }
        return cmd;
    }

    static int Resume(string folder, SweepPlan plan, SlurmSetup setup, SlurmSetup stored, bool submitting, double? minutes)
    {
        if (SbatchRunner.StillListed(folder) is { Count: > 0 } alive)
            throw new ArgumentException($"Jobs {string.Join(", ", alive)} of this sweep are still queued or running: wait for them (squeue), or cancel them (scancel {string.Join(' ', alive)}) before --resume.");
        var unfinished = SweepRunner.Unfinished(folder, plan);
        if (unfinished.Count == 0)
        {
            Console.WriteLine($"Every task of the sweep in {folder} has finished; merge with: erase-core merge --sweep {SweepScripts.Quote(folder)}");
            return 0;
        }
        if (setup != stored)
        {
            setup.Write(folder);
            SweepScripts.Write(folder, plan, setup);
            Console.WriteLine("the scripts were written again with the Slurm options given now");
        }
        Console.WriteLine(SweepRunner.DescribeUnfinished(folder, plan, unfinished));
        var bases = unfinished.Where(u => u.Kind == SweepTaskKind.Base).Select(u => u.Task.Index).ToList();
        var shards = unfinished.Where(u => u.Kind == SweepTaskKind.Shard).Select(u => u.Task.Index).ToList();
        double cost = unfinished.Sum(u => u.Missing.Sum(c => c.Cost));
        Console.WriteLine($"left in those tasks: {unfinished.Sum(u => u.Missing.Count)} models, estimated cost {cost:0.#}{Minutes(cost, minutes, " (about {0} min)")}");
        string script = Path.Combine(folder, "resubmit.sh");
        AtomicFile.WriteAllText(script, SweepScripts.SubmitScript(folder, setup.MergeAfter, bases, shards));
        if (submitting) Console.Write(SbatchRunner.Run(folder, script));
        else
        {
            Console.WriteLine($"--- resubmit those tasks, then the merge: bash {SweepScripts.Quote(script)}");
            Console.Write(File.ReadAllText(script));
        }
        return 0;
    }

    // The plan in numbers: what each task holds and its estimated cost (a Retrain is 6), so --time can be chosen.
    static void Describe(SweepPlan plan, double? retrainMinutes)
    {
        Console.WriteLine($"sweep: {plan.Experiments.Count} experiment{(plan.Experiments.Count == 1 ? "" : "s")} ({string.Join("; ", plan.Experiments)}), " +
                          $"seeds {string.Join(", ", plan.Settings.Seeds)}, {plan.Settings.ModelNames.Count} models each");
        var table = new Table().AddColumns("task", "models", "estimated cost", "estimated time");
        foreach (var (kind, tasks) in new[] { ("base", plan.Bases), ("shard", plan.Shards) })
        foreach (var task in tasks)
            table.AddRow($"{kind} {task.Index}/{tasks.Count}", Markup.Escape(string.Join(", ", task.Cells.Select(c => $"{plan.Experiments[c.Experiment].Folder}:{c.Name}@{c.Seed}"))),
                $"{task.Cost:0.#}", Minutes(task.Cost, retrainMinutes, "{0} min") is { Length: > 0 } t ? t : "-");
        AnsiConsole.Write(table);   // the one rich element; the rest is plain text to copy from (Spectre would wrap it)
        double heaviest = plan.Shards.Max(s => s.Cost), mean = plan.Shards.Average(s => s.Cost);
        Console.WriteLine($"shards: heaviest {heaviest:0.#}, mean {mean:0.#} (the array finishes when its heaviest shard does)" +
                          (retrainMinutes is null ? "; pass --retrain-minutes M (one Retrain's minutes on a task) for times" : ""));
    }

    // A cost in minutes when one Retrain's minutes are known (a Retrain's cost is the unit), formatted; "" otherwise.
    static string Minutes(double cost, double? retrainMinutes, string format) =>
        retrainMinutes is { } m ? string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Math.Round(cost / MethodCatalog.Cost("retrain") * m)) : "";
}
