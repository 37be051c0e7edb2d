using System.CommandLine;
using EraseAtCore.Cli.Terminal;
using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Metrics;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;
using Spectre.Console;
using TorchSharp;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core unlearn`: run one unlearning method on an Original checkpoint, evaluate it, save it.</summary>
static class UnlearnCommand
{
    public static Command Create()
    {
        var method = new Option<string>("--method") { Description = $"Method: {string.Join(", ", MethodCatalog.Names)}.", Required = true };
        var from = new Option<string>("--from") { Description = "The Original's checkpoint (from `erase-core train`).", Required = true };
        var output = new Option<string?>("--out") { Description = "Folder for <method>.ckpt and <method>.json (metrics and loss log)." };
        var preset = new Option<string>("--preset") { Description = "Preset whose data and normalisation the Original was trained with.", DefaultValueFactory = _ => "quick" };
        var epochs = new Option<int?>("--epochs") { Description = "Unlearning epochs (default: the method's)." };
        var steps = new Option<int?>("--steps") { Description = "Step budget instead of epochs: this many optimiser steps, whatever set drives the method's epochs." };
        var lr = new Option<double?>("--lr") { Description = "Unlearning learning rate (default: the method's)." };
        var batch = new Option<int?>("--batch-size") { Description = "Images per batch (default 64)." };
        var options = new Option<string[]>("--option")
        {
            Description = "A method option as key=value, repeatable (e.g. --option sparsity=0.3 for salun); the README lists each method's keys.",
            AllowMultipleArgumentsPerToken = false,
        };
        var forget = new ForgetOptions();
        var dataDir = CommonOptions.DataDir();
        var device = CommonOptions.Device();
        var seed = CommonOptions.Seed();
        var cmd = new Command("unlearn", "Unlearn a forget request from an Original checkpoint with one method; report UA, RA, TA, MIA, CKA, probes; save the result.")
            { method, from, output, preset, epochs, steps, lr, batch, options, dataDir, device, seed };
        forget.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            // Everything that can be checked without the data is checked first (method, options, numbers, forget request, files); the output folder last.
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            var chosen = Preset.Get(parse.GetValue(preset)!);
            string name = parse.GetValue(method)!.ToLowerInvariant();
            MethodSettings.CheckModelName(name, "--method");
            if (name is "original") throw new ArgumentException("--method original is the model unlearning starts from, not a method. Choose one of: " + string.Join(", ", MethodCatalog.Names) + ".");
            var methodOptions = MethodOptions.Parse(parse.GetValue(options) ?? []);
            if (parse.GetValue(epochs) is not null && parse.GetValue(steps) is not null)
                throw new ArgumentException("Give --epochs or --steps, not both: a step budget replaces the epochs.");
            var config = MethodCatalog.DefaultConfig(name);
            // The tuned methods default to a step budget; epochs asked for replace it.
            if (parse.GetValue(epochs) is { } e) config = config with { Epochs = e, Steps = null };
            if (parse.GetValue(steps) is { } st) config = config with { Steps = st };
            if (parse.GetValue(lr) is { } l) config = config with { LearningRate = l };
            if (parse.GetValue(batch) is { } b) config = config with { BatchSize = b };
            config = config with { Seed = parse.GetValue(seed) };
            config.Validate();
            forget.CheckBeforeWork(parse, required: true);
            chosen.CheckDataFolder(parse.GetValue(dataDir));
            var originalInfo = Checkpoint.ReadInfo(parse.GetValue(from)!);
            var unlearner = MethodCatalog.Create(name, originalInfo.Recipe ?? chosen.Train, methodOptions);
            var data = chosen.LoadData(new DataSearch { ExplicitFolder = parse.GetValue(dataDir), Log = m => AnsiConsole.WriteLine(m) });
            // The model is rebuilt from the checkpoint's own description (any --width or --arch it was trained with).
            var original = ModelFile.LoadCheckpointFor(parse.GetValue(from)!, chosen, data);
            using var originalModel = original.Model;
            originalModel.to(dev);
            var split = forget.Resolve(parse, data, required: true, fallback: null)!;
            if (parse.GetValue(output) is { } outDir) OutputPath.CheckWritableFolder(outDir, "--out");   // last check: it creates the folder
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Describe())}; device {dev}[/]");
            AnsiConsole.MarkupLine($"{name}: forgetting {Markup.Escape(split.ToString())} from {Markup.Escape(parse.GetValue(from)!)}; " +
                                   (config.Steps is { } budget ? $"{budget} steps" : $"{config.Epochs} epochs") + $", lr {config.LearningRate}, batch {config.BatchSize}, seed {config.Seed}");
            var result = ProgressView.Run(name, report =>
                unlearner.Unlearn(new UnlearnContext(originalModel, split, chosen.FeedOn(dev), config, p => report(ProgressView.Of(p)))));
            using var model = result.Model;
            string status = UnlearnOutcome.Of(result, originalModel);
            if (status == UnlearnOutcome.Diverged)
                throw new ArgumentException($"{result.StopReason} No step before that was kept, so the weights are the Original's: nothing was unlearned, " +
                                            $"and nothing is evaluated or saved as {name.Replace('+', 'p')}.ckpt.");
            if (result.StopReason is { } why) Console.Error.WriteLine($"warning: {why}");
            var evaluation = ForgettingEvaluator.Evaluate(model, split, chosen.FeedOn(dev), originalModel);
            EvalCommand.Print(evaluation);
            AnsiConsole.MarkupLine($"unlearning took {result.Elapsed.TotalSeconds:F1} s");
            if (parse.GetValue(output) is { } dir)
            {
                // The same record results.json holds per model, beside the evaluation's full detail and the loss log.
                var record = ModelRecord.From(name, config.Seed, evaluation) with
                {
                    Method = name, Config = config, Options = methodOptions.Given, Status = status, StopReason = result.StopReason, Seconds = result.Elapsed.TotalSeconds,
                    Settings = unlearner.Settings,
                };
                string path = Path.Combine(dir, name.Replace('+', 'p') + ".ckpt");
                var info = original.Info with
                {
                    Role = name, CacheKey = null, Split = split.Request, Seed = config.Seed,
                    Metrics = new Dictionary<string, double>
                    {
                        ["ua"] = record.Ua, ["ra"] = record.Ra, ["ta"] = record.Ta, ["forget_test"] = evaluation.Logits.ForgetTest, ["mia"] = record.Mia, ["seconds"] = record.Seconds,
                    },
                    CreatedUtc = DateTimeOffset.UtcNow,
                };
                Checkpoint.Save(path, model, info);
                AtomicFile.WriteAllText(Path.ChangeExtension(path, ".json"), System.Text.Json.JsonSerializer.Serialize(new
                {
                    model = record, evaluation, log = result.Log,
                }, Checkpoint.Json));
                AnsiConsole.MarkupLine($"saved [blue]{Markup.Escape(path)}[/]");
            }
            return 0;
        });
        return cmd;
    }
}
