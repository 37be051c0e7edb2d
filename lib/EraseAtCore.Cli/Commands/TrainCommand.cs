using System.CommandLine;
using System.Diagnostics;
using EraseAtCore.Cli.Terminal;
using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core train`: trains the Original (or, with --retrain, the Retrain) model of a preset and saves a checkpoint.</summary>
static class TrainCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = $"Recipe: {string.Join(", ", Preset.All.Select(p => p.Name))}.", DefaultValueFactory = _ => "quick" };
        var retrain = new Option<bool>("--retrain") { Description = "Train the Retrain model: the same recipe on the retain set only (needs a forget request)." };
        var forget = new ForgetOptions();
        var output = new Option<string?>("--out") { Description = "Folder for the checkpoint (original.ckpt or retrain.ckpt) and its metrics (.json)." };
        var overrides = new RecipeOptions();
        var dataDir = CommonOptions.DataDir();
        var device = CommonOptions.Device();
        var cmd = new Command("train", "Train a preset's Original model (or its Retrain model) on this machine, report accuracies, save a checkpoint.")
            { preset, retrain, output, dataDir, device };
        forget.AddTo(cmd);
        overrides.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var chosen = overrides.Apply(Preset.Get(parse.GetValue(preset)!), parse);
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            // Checked before training, not after it: the folder must take original.ckpt (or retrain.ckpt) and its .json.
            chosen.CheckDataFolder(parse.GetValue(dataDir));
            forget.CheckBeforeWork(parse, required: parse.GetValue(retrain));
            if (parse.GetValue(output) is { } outDir) OutputPath.CheckWritableFolder(outDir, "--out");
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Describe())}; device {dev}[/]");
            var clock = Stopwatch.StartNew();
            var data = chosen.LoadData(new DataSearch { ExplicitFolder = parse.GetValue(dataDir), Log = m => AnsiConsole.WriteLine(m) });
            var split = forget.Resolve(parse, data, required: parse.GetValue(retrain), fallback: null);
            var spec = chosen.ModelFor(data);
            AnsiConsole.MarkupLine($"preset [bold]{chosen.Name}[/]: {data.Name} ({data.Train.Count} train / {data.Test.Count} test), " +
                                   $"{Markup.Escape(spec.Describe())}, {chosen.Train.Epochs} epochs, batch {chosen.Train.BatchSize}, lr {chosen.Train.LearningRate}, seed {chosen.Train.Seed}");
            bool isRetrain = parse.GetValue(retrain);
            if (isRetrain) AnsiConsole.MarkupLine($"retrain: forgetting {Markup.Escape(split!.ToString())}: {split.Train.Retain.Count} retain / {split.Train.Forget.Count} forget training images");
            var trained = ProgressView.Run(isRetrain ? "retrain" : "original", report =>
                isRetrain ? PresetTraining.Retrain(chosen, split!, dev, p => report(ProgressView.Of(p)))
                          : PresetTraining.Original(chosen, data, dev, p => report(ProgressView.Of(p)), split));
            using var model = trained.Model;
            var table = new Table().AddColumns("measure", "accuracy");
            foreach (var (name, value) in trained.Info.Metrics) table.AddRow(name, $"{value:P2}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"training {trained.Result.Elapsed.TotalSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s, peak memory {ProcessMemory.PeakResidentMiB():F0} MiB");
            if (parse.GetValue(output) is { } dir)
            {
                string path = Path.Combine(dir, (isRetrain ? "retrain" : "original") + ".ckpt");
                Checkpoint.Save(path, model, trained.Info);
                AtomicFile.WriteAllText(Path.ChangeExtension(path, ".json"),
                    System.Text.Json.JsonSerializer.Serialize(new { trained.Info, epochs = trained.Result.Epochs, cpu_kernels = CpuKernelGuard.Verdict.Explain() }, Checkpoint.Json));
                AnsiConsole.MarkupLine($"saved [blue]{Markup.Escape(path)}[/]");
            }
            return 0;
        });
        return cmd;
    }
}
