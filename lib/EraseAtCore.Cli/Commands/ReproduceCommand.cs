using System.CommandLine;
using EraseAtCore.Cli.Terminal;
using EraseAtCore.Experiments;
using EraseAtCore.Metrics;
using EraseAtCore.Runtime;
using EraseAtCore.Unlearning;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core reproduce`: the main job. Original, Retrain, every baseline, EC and X+EC, evaluated, with a report.</summary>
static class ReproduceCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = $"quick (embedded data, minutes on a CPU), full, cifar100, imagenet, or a row of the authors' card: {string.Join(", ", Preset.Paper.Select(p => p.Name))}.", DefaultValueFactory = _ => "quick" };
        var output = new Option<string?>("--out") { Description = "Output folder (default runs/<preset>); finished models there are reused when their settings match." };
        var experiment = new ExperimentOptions();
        var shard = new Option<string?>("--shard") { Description = "Run slice i of n of the model x seed grid (e.g. 2/4; dealt by estimated cost); combine with `erase-core merge`. For a cluster, `erase-core sweep` writes the job array." };
        var forget = new ForgetOptions();
        var cmd = new Command("reproduce", "Run the paper's experiment end to end and write results.json, results.csv, table.md and report.html.")
            { preset, output, shard };
        experiment.AddTo(cmd);
        forget.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var chosen = Preset.Get(parse.GetValue(preset)!);
            var settings = experiment.Read(parse);
            ExperimentOptions.Check(settings, chosen);
            var config = settings.Config(chosen, forget.Request(parse), parse.GetValue(output) ?? Path.Combine("runs", chosen.Name), msg => AnsiConsole.WriteLine(msg)) with
            {
                Shard = parse.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.All,
            };
            _ = config.ItemsToRun();
            _ = config.ForgetOrDefault;   // a preset that needs a forget request says so now, not after loading the data
            OutputPath.CheckRunFolder(config.Output, "--out");
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Describe())}; device {config.Device}[/]");
            AnsiConsole.MarkupLine(Markup.Escape($"reproduce: preset {chosen.Name}, forgetting {config.ForgetOrDefault}, seeds {config.Seeds.Count}, " +
                                                 $"{config.ModelNames.Count} models, shard {config.Shard}, output {Path.GetFullPath(config.Output)}"));
            var doc = ProgressView.Run("reproduce", report => ExperimentRunner.Run(config, p => report(ProgressView.Of(p))));
            AnsiConsole.WriteLine();
            AnsiConsole.WriteLine(ResultTables.Markdown(doc));
            AnsiConsole.WriteLine("time per phase (s): " + string.Join(", ", doc.Timings.Select(kv => $"{kv.Key} {kv.Value:F1}")));
            if (doc.MemoryMiB.Count > 0)
                AnsiConsole.WriteLine("resident memory (MiB) after each model: " + string.Join(", ", doc.MemoryMiB.Select(kv => $"{kv.Key} {kv.Value:F0}")));
            AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(Path.GetFullPath(config.Output))}[/]: results.json, results.csv, table.md, report.html");
            return 0;
        });
        return cmd;
    }
}
