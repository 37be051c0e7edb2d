using System.CommandLine;
using EraseAtCore.Cli.Terminal;
using EraseAtCore.Experiments;
using EraseAtCore.Metrics;
using EraseAtCore.Runtime;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core reproduce`: the main job. Original, Retrain, every baseline, EC and X+EC, evaluated, with a report.</summary>
static class ReproduceCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "quick (embedded data, minutes on a CPU), full, cifar100 or imagenet.", DefaultValueFactory = _ => "quick" };
        var output = new Option<string?>("--out") { Description = "Output folder (default runs/<preset>); finished models there are reused when their settings match." };
        var seeds = new Option<int>("--seeds") { Description = "Repeats with seeds S..S+N-1 (S = --first-seed); tables report mean ± std and the claims' verdicts use them.", DefaultValueFactory = _ => 1 };
        var firstSeed = new Option<int>("--first-seed") { Description = "First seed (e.g. 100 for selection seeds kept apart from the report seeds 0..).", DefaultValueFactory = _ => 0 };
        var methods = new Option<string[]>("--methods")
        {
            Description = $"Methods to run after the Original (default all: {string.Join(", ", MethodCatalog.Names)}).",
            AllowMultipleArgumentsPerToken = true,
        };
        var shard = new Option<string?>("--shard") { Description = "Run slice i of n of the model x seed grid (e.g. 2/4); combine with `erase-core merge`." };
        var options = new Option<string[]>("--option")
        {
            Description = "Per-method setting method.key=value, repeatable: shared keys (" + string.Join(", ", MethodSettings.SharedKeys) +
                          ") or the method's knobs, e.g. --option ec.temperature=0.2 --option salun.sparsity=0.3; all.steps=100 gives every method the same step budget. Part of each model's cache key.",
            AllowMultipleArgumentsPerToken = false,
        };
        var relearnSteps = new Option<int>("--relearn-steps") { Description = "Steps of the relearning attack (0 skips it).", DefaultValueFactory = _ => 10 };
        var forget = new ForgetOptions();
        var dataDir = CommonOptions.DataDir();
        var device = CommonOptions.Device();
        var cmd = new Command("reproduce", "Run the paper's experiment end to end and write results.json, results.csv, table.md and report.html.")
            { preset, output, seeds, firstSeed, methods, options, shard, relearnSteps, dataDir, device };
        forget.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var chosen = Preset.Get(parse.GetValue(preset)!);
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            int n = parse.GetValue(seeds);
            if (n < 1) throw new ArgumentException($"--seeds must be at least 1, got {n}.");
            var names = parse.GetValue(methods) is { Length: > 0 } m ? m.Select(x => x.ToLowerInvariant()).ToArray() : null;
            foreach (var name in names ?? []) MethodSettings.CheckModelName(name, "--methods");
            var settings = MethodSettings.Parse(parse.GetValue(options) ?? []);
            int steps = parse.GetValue(relearnSteps);
            var config = new ExperimentConfig
            {
                Preset = chosen, Forget = forget.Request(parse), Seeds = Enumerable.Range(parse.GetValue(firstSeed), n).ToList(), Methods = names, Settings = settings,
                Output = parse.GetValue(output) ?? Path.Combine("runs", chosen.Name), Device = dev,
                Relearning = steps > 0 ? new RelearningOptions(steps) : null,
                Shard = parse.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.All,
                DataSearch = new Data.DataSearch { ExplicitFolder = parse.GetValue(dataDir), Log = msg => AnsiConsole.WriteLine(msg) },
            };
            // Resolve every model's settings before any work, so a bad option fails now and not an hour in.
            foreach (var name in config.ModelNames.Where(x => x != "original"))
                MethodCatalog.Create(MethodSettings.MethodOf(name), chosen.Train, settings.Resolve(name, 0).MethodOptions);
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Describe())}; device {dev}[/]");
            AnsiConsole.MarkupLine(Markup.Escape($"reproduce: preset {chosen.Name}, forgetting {config.ForgetOrDefault}, seeds {n}, " +
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
