using System.CommandLine;
using EraseAtCore.Cli.Terminal;
using EraseAtCore.Experiments;
using EraseAtCore.Metrics;
using EraseAtCore.Runtime;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core study`: the seeded study of the paper's claims, the preset's class and random classes, verdicts per claim.</summary>
static class StudyCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "quick (embedded data, about 25 minutes on 2 cores) or full.", DefaultValueFactory = _ => "quick" };
        var output = new Option<string?>("--out") { Description = "Output folder (default runs/study-<preset>); finished models there are reused." };
        var seeds = new Option<int>("--seeds") { Description = "Seeds S..S+N-1 per forget request (at least 3 for intervals worth reading).", DefaultValueFactory = _ => 3 };
        var firstSeed = new Option<int>("--first-seed") { Description = "First seed S.", DefaultValueFactory = _ => 0 };
        var random = new Option<int>("--random-classes") { Description = "Also forget this many random classes (0 skips it).", DefaultValueFactory = _ => Study.DefaultRandomClasses };
        var forgetSeed = new Option<int>("--forget-seed") { Description = "Seed of the random classes' draw.", DefaultValueFactory = _ => 0 };
        var methods = new Option<string[]>("--methods")
        {
            Description = $"Models after the Original (default {string.Join(", ", Study.DefaultMethods)}); variants such as ec:lr=0.02 allowed.",
            AllowMultipleArgumentsPerToken = true,
        };
        var options = new Option<string[]>("--option") { Description = "Per-method setting method.key=value, as for reproduce (e.g. all.steps=200)." };
        var relearnSteps = new Option<int>("--relearn-steps") { Description = "Steps of the relearning attack (0 skips it).", DefaultValueFactory = _ => 10 };
        var dataDir = CommonOptions.DataDir();
        var device = CommonOptions.Device();
        var cmd = new Command("study", "The seeded study of the paper's claims: the preset's forget class and random classes, every figure mean ± std, a verdict per claim (study.md).")
            { preset, output, seeds, firstSeed, random, forgetSeed, methods, options, relearnSteps, dataDir, device };
        cmd.SetAction(parse =>
        {
            var chosen = Preset.Get(parse.GetValue(preset)!);
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            int n = parse.GetValue(seeds);
            if (n < 1) throw new ArgumentException($"--seeds must be at least 1, got {n}.");
            int randomCount = parse.GetValue(random);
            if (randomCount < 0) throw new ArgumentException($"--random-classes cannot be negative, got {randomCount}.");
            var names = parse.GetValue(methods) is { Length: > 0 } m ? m.Select(x => x.ToLowerInvariant()).ToArray() : null;
            foreach (var name in names ?? []) MethodSettings.CheckModelName(name, "--methods");
            var settings = MethodSettings.Parse(parse.GetValue(options) ?? []);
            foreach (var name in (names ?? Study.DefaultMethods).Where(x => x != "original"))
                MethodCatalog.Create(MethodSettings.MethodOf(name), chosen.Train, settings.Resolve(name, 0).MethodOptions);
            List<ForgetRequest> requests = [ForgetRequest.OfClasses(chosen.ForgetClasses.ToArray())];
            if (randomCount > 0) requests.Add(ForgetRequest.OfRandomClasses(randomCount, parse.GetValue(forgetSeed)));
            int steps = parse.GetValue(relearnSteps);
            var config = new StudyConfig
            {
                Preset = chosen, Output = parse.GetValue(output) ?? Path.Combine("runs", "study-" + chosen.Name),
                Seeds = Enumerable.Range(parse.GetValue(firstSeed), n).ToList(), Requests = requests, Methods = names, Settings = settings,
                Relearning = steps > 0 ? new RelearningOptions(steps) : null, Device = dev,
                DataSearch = new Data.DataSearch { ExplicitFolder = parse.GetValue(dataDir), Log = msg => AnsiConsole.WriteLine(msg) },
            };
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Describe())}; device {dev}[/]");
            AnsiConsole.MarkupLine(Markup.Escape($"study: preset {chosen.Name}, {requests.Count} forget requests ({string.Join("; ", requests)}), seeds {string.Join(", ", config.Seeds)}, " +
                                                 $"output {Path.GetFullPath(config.Output)}"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var docs = ProgressView.Run("study", report => Study.Run(config, (r, p) => report(ProgressView.Of(p with { Model = $"{r.Label} {p.Model}" }))));
            AnsiConsole.WriteLine();
            AnsiConsole.WriteLine(Study.Markdown(chosen.Name, docs));
            AnsiConsole.MarkupLine($"study took {clock.Elapsed.TotalMinutes:F1} min; wrote [blue]{Markup.Escape(Path.GetFullPath(config.Output))}[/]: study.md, study.json and per request results.json, table.md, report.html");
            return 0;
        });
        return cmd;
    }
}
