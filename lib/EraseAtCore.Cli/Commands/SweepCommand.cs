using System.CommandLine;
using System.Text.Json;
using EraseAtCore.Cli.Slurm;
using EraseAtCore.Data;
using EraseAtCore.Experiments;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>
/// `erase-core sweep`: a grid of reproduce runs (presets x forget requests x seeds x models) as Slurm job arrays. Writes
/// the plan (sweep.json) and the sbatch scripts into --root, and with --submit submits them chained by dependencies;
/// --resume resubmits only the tasks that have not finished.
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
        var gpus = new Option<int>("--gpus-per-task") { Description = "GPUs per array task (0: none asked; run the CUDA build with --device cuda).", DefaultValueFactory = _ => 0 };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "CPUs per array task (default: the cluster's)." };
        var time = new Option<string?>("--time") { Description = "Time limit per array task, Slurm's forms (e.g. 8:00:00); see the estimates this prints." };
        var memory = new Option<string?>("--mem") { Description = "Memory per array task, Slurm's forms (e.g. 32G)." };
        var extra = new Option<string?>("--sbatch-extra") { Description = "A file of further '#SBATCH --option' lines for every task (account, QOS, constraints)." };
        var mergeAfter = new Option<string>("--merge-after") { Description = "Run the merge after the shards 'any'how ended (it then names the unfinished tasks) or only when all are 'ok'.", DefaultValueFactory = _ => "any" };
        mergeAfter.AcceptOnlyFromAmong("any", "ok");
        var command = new Option<string?>("--command") { Description = "How compute nodes start erase-core (default: as this one was started, by absolute path)." };
        var retrainMinutes = new Option<double?>("--retrain-minutes") { Description = "Minutes one Retrain takes on a task's hardware, to turn the cost estimates into times." };
        var submit = new Option<bool>("--submit") { Description = "Submit with sbatch and print the job ids (else print the script and the command)." };
        var resume = new Option<bool>("--resume") { Description = "Resubmit only the unfinished tasks of the sweep in --root (each reuses its finished models), then the merge." };
        var cmd = new Command("sweep", "Run a grid of experiments on a Slurm cluster: job arrays for the Originals and Retrains, then shards of the other models, then a merge.")
            { root, presets, forgetSets, shards, partition, gpus, cpus, time, memory, extra, mergeAfter, command, retrainMinutes, submit, resume };
        experiment.AddTo(cmd);
        Option[] planShaping = [presets, forgetSets, shards, partition, gpus, cpus, time, memory, extra, command, .. experiment.All];
        cmd.SetAction(parse =>
        {
            string folder = Path.GetFullPath(parse.GetValue(root)!);
            var after = parse.GetValue(mergeAfter) == "ok" ? MergeAfter.Ok : MergeAfter.Any;
            if (parse.GetValue(resume))
            {
                if (planShaping.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } given)
                    throw new ArgumentException($"--resume takes everything from {Path.Combine(folder, SweepPlan.FileName)}; drop {given.Name} (or plan a new sweep into another --root).");
                return Resume(folder, SweepPlan.Read(folder), after, parse.GetValue(submit), parse.GetValue(retrainMinutes));
            }
            var settings = experiment.Read(parse);
            if (settings.EcModules == "shared")
                throw new ArgumentException("--ec-modules shared: a sweep's shards run at once and would each train the shared modules; leave --ec-modules out (a warm-up per model) for a sweep.");
            var names = parse.GetValue(presets) is { Length: > 0 } p ? p : ["quick"];
            foreach (var name in names) ExperimentOptions.Check(settings, Preset.Get(name));
            var requests = (parse.GetValue(forgetSets) ?? []).Select(ForgetRequest.Parse).ToList();
            var plan = SweepPlan.Make(settings, names, requests, parse.GetValue(shards));
            var resources = new SlurmResources(parse.GetValue(partition), parse.GetValue(gpus) is >= 0 and var g ? g : throw new ArgumentException("--gpus-per-task cannot be negative."),
                parse.GetValue(cpus) is null or > 0 ? parse.GetValue(cpus) : throw new ArgumentException("--cpus-per-task must be at least 1."),
                parse.GetValue(time), parse.GetValue(memory), parse.GetValue(extra) is { } file ? SlurmResources.ReadExtraLines(file) : []);
            var kit = parse.GetValue(command) is { } c ? KitCommand.Parse(c) : KitCommand.Current();

            OutputPath.CheckWritableFolder(folder, "--root");
            if (File.Exists(Path.Combine(folder, SweepPlan.FileName)))
            {
                var existing = SweepPlan.Read(folder);
                if (JsonSerializer.Serialize(existing, RunFolder.Json) != JsonSerializer.Serialize(plan, RunFolder.Json))
                    throw new ArgumentException($"{folder} holds another sweep's plan: give a new --root, or continue that one with --resume.");
            }
            plan.Write(folder);
            SweepScripts.Write(folder, plan, resources, kit, after);
            Describe(plan, parse.GetValue(retrainMinutes));
            string submitScript = Path.Combine(folder, SweepScripts.Submit);
            if (parse.GetValue(submit))
            {
                Console.Write(SbatchRunner.Run(submitScript));
                Console.WriteLine($"submitted; follow with squeue --me, logs in {Path.Combine(folder, "logs")}; merged results go to {folder}/PRESET/REQUEST/");
            }
            else
            {
                Console.WriteLine($"--- {Path.Combine(folder, SweepScripts.Shards)}");
                Console.Write(File.ReadAllText(Path.Combine(folder, SweepScripts.Shards)));
                Console.WriteLine($"--- submit all three, chained (bases, then shards, then the merge): bash {SweepScripts.Quote(submitScript)}");
                Console.Write(File.ReadAllText(submitScript));
            }
            return 0;
        });
        return cmd;
    }

    static int Resume(string folder, SweepPlan plan, MergeAfter after, bool submit, double? retrainMinutes)
    {
        var unfinished = SweepRunner.Unfinished(folder, plan);
        if (unfinished.Count == 0)
        {
            Console.WriteLine($"Every task of the sweep in {folder} has finished; merge with: erase-core merge --sweep {SweepScripts.Quote(folder)}");
            return 0;
        }
        Console.WriteLine(SweepRunner.DescribeUnfinished(folder, plan, unfinished));
        var bases = unfinished.Where(u => u.Kind == SweepTaskKind.Base).Select(u => u.Task.Index).ToList();
        var shards = unfinished.Where(u => u.Kind == SweepTaskKind.Shard).Select(u => u.Task.Index).ToList();
        double cost = unfinished.Sum(u => u.Missing.Sum(c => c.Cost));
        Console.WriteLine($"left in those tasks: {unfinished.Sum(u => u.Missing.Count)} models, estimated cost {cost:0.#}{Minutes(cost, retrainMinutes)}");
        string script = Path.Combine(folder, "resubmit.sh");
        AtomicFile.WriteAllText(script, SweepScripts.SubmitScript(folder, after, bases, shards));
        if (submit) Console.Write(SbatchRunner.Run(script));
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
        Console.WriteLine($"sweep: {plan.Experiments.Count} experiment{(plan.Experiments.Count == 1 ? "" : "s")} ({string.Join("; ", plan.Experiments)}), seeds {string.Join(", ", plan.Settings.Seeds)}, " +
                              $"{plan.Settings.ModelNames.Count} models each");
        var table = new Table().AddColumns("task", "models", "estimated cost", "estimated time");
        foreach (var (kind, tasks) in new[] { ("base", plan.Bases), ("shard", plan.Shards) })
        foreach (var task in tasks)
            table.AddRow($"{kind} {task.Index}/{tasks.Count}", Markup.Escape(string.Join(", ", task.Cells.Select(c => $"{plan.Experiments[c.Experiment].Folder}:{c.Name}@{c.Seed}"))),
                $"{task.Cost:0.#}", retrainMinutes is { } m ? $"{task.Cost / MethodCatalog.Cost("retrain") * m:0} min" : "-");
        AnsiConsole.Write(table);   // the one rich element; the rest is plain text to copy from (Spectre would wrap it)
        double heaviest = plan.Shards.Max(s => s.Cost), mean = plan.Shards.Average(s => s.Cost);
        Console.WriteLine($"shards: heaviest {heaviest:0.#}, mean {mean:0.#} (the array finishes when its heaviest shard does)" +
                              (retrainMinutes is null ? "; pass --retrain-minutes M (one Retrain's minutes on a task) for times" : ""));
    }

    static string Minutes(double cost, double? retrainMinutes) => retrainMinutes is { } m ? $" (about {cost / MethodCatalog.Cost("retrain") * m:0} min)" : "";
}
