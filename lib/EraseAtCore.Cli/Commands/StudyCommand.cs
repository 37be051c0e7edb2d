using System.CommandLine;
using EraseAtCore.Cli.Terminal;
using EraseAtCore.Data;
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
        var preset = new Option<string>("--preset") { Description = "quick (embedded data, 42 minutes on 2 cores) or full (hours on a CPU).", DefaultValueFactory = _ => "quick" };
        var output = new Option<string?>("--out") { Description = "Output folder (default runs/study-<preset>); finished models there are reused." };
        var grid = new GridOptions(3, "Seeds S..S+N-1 per forget request (S = --first-seed; at least 3 for intervals worth reading).",
            $"Models after the Original (default {string.Join(", ", Study.DefaultMethods)}); variants such as ec:lr=0.02 allowed.");
        var random = new Option<int>("--random-classes") { Description = "Also forget this many random classes (0 skips it).", DefaultValueFactory = _ => Study.DefaultRandomClasses };
        var forgetSeed = new Option<int>("--forget-seed") { Description = "Seed of the random classes' draw.", DefaultValueFactory = _ => 0 };
        var dataDir = CommonOptions.DataDir();
        var device = CommonOptions.Device();
        var cmd = new Command("study", "The seeded study of the paper's claims: the preset's forget class and random classes, every figure mean ± std, a verdict per claim (study.md).")
            { preset, output, random, forgetSeed, dataDir, device };
        grid.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var chosen = Preset.Get(parse.GetValue(preset)!);
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            int randomCount = parse.GetValue(random);
            if (randomCount < 0) throw new ArgumentException($"--random-classes cannot be negative, got {randomCount}.");
            var names = grid.Methods(parse);
            var settings = grid.Settings(parse);
            GridOptions.CheckBeforeWork(names ?? Study.DefaultMethods, settings, chosen.Train);
            List<ForgetRequest> requests = [ForgetRequest.OfClasses(chosen.ForgetClasses.ToArray())];
            if (randomCount > 0) requests.Add(ForgetRequest.OfRandomClasses(randomCount, parse.GetValue(forgetSeed)));
            var config = new StudyConfig
            {
                Preset = chosen, Output = parse.GetValue(output) ?? Path.Combine("runs", "study-" + chosen.Name),
                Seeds = grid.Seeds(parse), Requests = requests, Methods = names, Settings = settings, Relearning = grid.Relearning(parse), Device = dev,
                DataSearch = new Data.DataSearch { ExplicitFolder = parse.GetValue(dataDir), Log = msg => AnsiConsole.WriteLine(msg) },
            };
            chosen.CheckDataFolder(parse.GetValue(dataDir));
            OutputPath.CheckRunFolder(config.Output, "--out");
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
