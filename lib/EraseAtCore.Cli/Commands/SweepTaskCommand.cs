using System.CommandLine;
using EraseAtCore.Cli.Terminal;
using EraseAtCore.Experiments;
using EraseAtCore.Runtime;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core sweep-task`: one array task of a sweep, as its sbatch script runs it; run again, it reuses what it finished.</summary>
static class SweepTaskCommand
{
    public static Command Create()
    {
        var root = new Argument<string>("root") { Description = "The sweep's --root (holding sweep.json)." };
        var baseTask = new Option<string?>("--base") { Description = "Run base task i of n (the Original of a preset and seed, then each request's Retrain), e.g. --base $SLURM_ARRAY_TASK_ID/4." };
        var shard = new Option<string?>("--shard") { Description = "Run shard i of n (its models of every experiment), e.g. --shard $SLURM_ARRAY_TASK_ID/8." };
        var cmd = new Command("sweep-task", "Run one array task of a sweep (what the scripts of `erase-core sweep` call).") { root, baseTask, shard };
        cmd.SetAction(parse =>
        {
            string folder = Path.GetFullPath(parse.GetValue(root)!);
            var (kind, text) = (parse.GetValue(baseTask), parse.GetValue(shard)) switch
            {
                ({ } b, null) => (SweepTaskKind.Base, b),
                (null, { } s) => (SweepTaskKind.Shard, s),
                _ => throw new ArgumentException("Give one of --base i/n or --shard i/n."),
            };
            string option = kind == SweepTaskKind.Base ? "--base" : "--shard";
            var parsed = text.Split('/') is [var i, var n] && int.TryParse(i, out int index) && int.TryParse(n, out int count) && count >= 1 && index >= 1 && index <= count
                ? new Shard(index - 1, count) : throw new ArgumentException($"{option} '{text}' must be i/n with 1 <= i <= n, e.g. {option} 2/4.");
            var plan = SweepPlan.Read(folder);
            int tasks = plan.Tasks(kind).Count;
            if (parsed.Count != tasks)
                throw new ArgumentException($"{option} {text}: the sweep in {folder} has {tasks} {option[2..]} tasks, not {parsed.Count}; its scripts and sweep.json disagree: run `erase-core sweep` again.");
            var task = plan.TaskAt(kind, parsed.Index + 1);
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Describe())}; device {Markup.Escape(plan.Settings.Device)}; host {Markup.Escape(Environment.MachineName)}[/]");
            Console.WriteLine($"sweep-task {option[2..]} {text}: {task.Cells.Count} models ({string.Join(", ", task.Cells.Select(c => $"{plan.Experiments[c.Experiment].Folder}:{c.Name}@{c.Seed}"))})");
            var docs = ProgressView.Run($"{option[2..]} {text}", report => SweepRunner.RunTask(folder, plan, kind, parsed.Index + 1,
                (e, p) => report(ProgressView.Of(p with { Model = $"{e.Folder} {p.Model}" }))));
            Console.WriteLine($"done: {docs.Sum(d => d.Models.Count)} models in {string.Join(", ", docs.Select(d => d.Forget.Label))}");
            return 0;
        });
        return cmd;
    }
}
