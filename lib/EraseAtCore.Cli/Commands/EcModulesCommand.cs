using System.CommandLine;
using EraseAtCore.Data;
using EraseAtCore.Ec;
using EraseAtCore.Experiments;
using EraseAtCore.Runtime;
using Spectre.Console;
using TorchSharp;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core ec-modules`: EC's auxiliary heads trained once for an Original, reusable by every EC run on it.</summary>
static class EcModulesCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "The Original: a .ckpt of the kit or a PyTorch file of the preset's architecture.", Required = true };
        var preset = new Option<string>("--preset") { Description = "Preset whose data, normalisation and architecture the Original has.", DefaultValueFactory = _ => "quick" };
        var output = new Option<string>("--out") { Description = "EC-modules file to write (e.g. ec_modules.ecm).", Required = true };
        var stages = new Option<string[]>("--stages") { Description = "Stages that get a head (default: every stage but the last, EC's default).", AllowMultipleArgumentsPerToken = true };
        var defaults = new EcModulesOptions();
        var embedding = new Option<int>("--embedding-dim") { Description = "Embedding size of the heads (EC's embedding-dim).", DefaultValueFactory = _ => defaults.EmbeddingDim };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => defaults.Epochs };
        var batch = new Option<int>("--batch") { Description = "Images per step.", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "SGD learning rate (momentum 0.9).", DefaultValueFactory = _ => defaults.LearningRate };
        var seed = CommonOptions.Seed();
        var dataDir = CommonOptions.DataDir();
        var device = CommonOptions.Device();
        var cmd = new Command("ec-modules", "Train EC's auxiliary heads once for an Original (deep supervision on the training set, backbone frozen), as the authors ship them; " +
                                            "EC and X+EC use them with --option ec.modules=FILE (or rl+ec.modules=FILE ...) instead of a warm-up per run.")
            { from, preset, output, stages, embedding, epochs, batch, lr, seed, dataDir, device };
        cmd.SetAction(parse =>
        {
            string target = parse.GetValue(output)!, source = parse.GetValue(from)!;
            OutputPath.CheckWritable(target, "--out");
            var chosen = Preset.Get(parse.GetValue(preset)!);
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            chosen.CheckDataFolder(parse.GetValue(dataDir));
            var data = chosen.LoadData(new DataSearch { ExplicitFolder = parse.GetValue(dataDir), Log = m => AnsiConsole.WriteLine(m) });
            using var original = ModelFile.LoadFor(source, chosen, data);   // a checkpoint as it describes itself (any --width or --arch)
            original.to(dev).eval();
            var options = new EcModulesOptions
            {
                Stages = parse.GetValue(stages) is { Length: > 0 } s ? s : null, EmbeddingDim = parse.GetValue(embedding),
                Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr), Seed = parse.GetValue(seed),
            };
            EcModules.Check(original, options);
            AnsiConsole.MarkupLine(Markup.Escape($"training EC modules for {original.Spec.Describe()} on {data.Train.Count} {data.Name} training images ({options.Epochs} epoch(s), batch {options.BatchSize})"));
            var info = EcModules.TrainToFile(target, original, data.Train, chosen.FeedOn(dev), options);
            AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(target)}[/]: heads at {Markup.Escape(string.Join(", ", info.Stages))}, final loss {info.FinalLoss:F3}");
            return 0;
        });
        return cmd;
    }
}
