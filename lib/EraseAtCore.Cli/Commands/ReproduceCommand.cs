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
        var original = new Option<string?>("--original") { Description = "Start from this Original instead of training one: a .ckpt of the kit or a PyTorch file (.pth, .tar, .safetensors) of the preset's architecture." };
        var retrain = new Option<string?>("--retrain") { Description = "Compare with this retrained oracle instead of training one (same formats as --original)." };
        var ecModules = new Option<string?>("--ec-modules") { Description = "EC modules for EC and every X+EC (a file from `erase-core ec-modules`), or 'shared' to train them once per Original here; default: a warm-up per run." };
        var output = new Option<string?>("--out") { Description = "Output folder (default runs/<preset>); finished models there are reused when their settings match." };
        var grid = new GridOptions(1, "Repeats with seeds S..S+N-1 (S = --first-seed); tables report mean ± std and the claims' verdicts use them.",
            $"Methods to run after the Original (default all: {string.Join(", ", MethodCatalog.Names)}); variants such as ec:lr=0.02 allowed.");
        var trainEpochs = new Option<int?>("--train-epochs") { Description = "Epochs of the Original and Retrain (default: the preset's); fewer for a quick smoke run. Part of the cache key." };
        var shard = new Option<string?>("--shard") { Description = "Run slice i of n of the model x seed grid (e.g. 2/4); combine with `erase-core merge`." };
        var forget = new ForgetOptions();
        var dataDir = CommonOptions.DataDir();
        var device = CommonOptions.Device();
        var cmd = new Command("reproduce", "Run the paper's experiment end to end and write results.json, results.csv, table.md and report.html.")
            { preset, output, original, retrain, ecModules, trainEpochs, shard, dataDir, device };
        grid.AddTo(cmd);
        forget.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var chosen = Preset.Get(parse.GetValue(preset)!);
            if (parse.GetValue(trainEpochs) is { } epochs)
            {
                chosen = chosen with { Train = chosen.Train with { Epochs = epochs } };
                chosen.Train.Validate();
            }
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            var settings = grid.Settings(parse);
            if (parse.GetValue(ecModules) is { } modules)
            {
                if (modules != "shared" && !File.Exists(modules)) throw new ArgumentException($"--ec-modules {modules}: no such file (or say 'shared').");
                var ecFamily = (grid.Methods(parse) ?? MethodCatalog.Names).Select(MethodSettings.MethodOf).Where(m => m == "ec" || EcHosting.IsPlugIn(m)).Distinct();
                settings = settings.Over(MethodSettings.Parse(ecFamily.Select(m => $"{m}.modules={modules}")));
            }
            var config = new ExperimentConfig
            {
                Preset = chosen, Forget = forget.Request(parse), Seeds = grid.Seeds(parse), Methods = grid.Methods(parse), Settings = settings,
                Output = parse.GetValue(output) ?? Path.Combine("runs", chosen.Name), Device = dev, Relearning = grid.Relearning(parse),
                Shard = parse.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.All,
                OriginalFile = parse.GetValue(original), RetrainFile = parse.GetValue(retrain),
                DataSearch = new Data.DataSearch { ExplicitFolder = parse.GetValue(dataDir), Log = msg => AnsiConsole.WriteLine(msg) },
            };
            GridOptions.CheckBeforeWork(config.ModelNames, config.EffectiveSettings, chosen.Train);
            foreach (var (file, option) in new[] { (config.OriginalFile, "--original"), (config.RetrainFile, "--retrain") })
                if (file is not null && !File.Exists(file)) throw new ArgumentException($"{option} {file}: no such file.");
            if (config.RetrainFile is not null && !config.ModelNames.Contains("retrain"))
                throw new ArgumentException("--retrain is given but retrain is not among --methods: add retrain, or drop --retrain.");
            _ = config.ShardItems();
            chosen.CheckDataFolder(parse.GetValue(dataDir));
            _ = config.ForgetOrDefault;   // a preset that needs a forget request says so now, not after loading the data
            OutputPath.CheckRunFolder(config.Output, "--out");
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Describe())}; device {dev}[/]");
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
