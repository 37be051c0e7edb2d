using System.CommandLine;
using TorchSharp;
using System.Diagnostics;
using EraseAtCore.Cli.Terminal;
using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core train`: trains a ResNet on Fashion-MNIST (embedded subset by default) and reports test accuracy.</summary>
static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "mini (embedded subset, default) or full (60000/10000).", DefaultValueFactory = _ => "mini" };
        data.AcceptOnlyFromAmong("mini", "full");
        var dataDir = CommonOptions.DataDir();
        var arch = new Option<string>("--arch") { Description = "resnet18, resnet34 or resnet50.", DefaultValueFactory = _ => "resnet18" };
        arch.AcceptOnlyFromAmong("resnet18", "resnet34", "resnet50");
        var width = new Option<int>("--width") { Description = "Width w of the first stage (64 = standard ResNet).", DefaultValueFactory = _ => 16 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Initial learning rate (cosine schedule).", DefaultValueFactory = _ => 0.05 };
        var device = CommonOptions.Device();
        var seed = CommonOptions.Seed();
        var cmd = new Command("train", "Train a ResNet on Fashion-MNIST on this machine and report its test accuracy.")
            { data, dataDir, arch, width, epochs, batch, lr, device, seed };
        cmd.SetAction(parse =>
        {
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Describe())}; device {dev}[/]");
            var clock = Stopwatch.StartNew();
            var dataset = parse.GetValue(data) == "full"
                ? FashionMnist.LoadFull(new DataSearch { ExplicitFolder = parse.GetValue(dataDir), Log = m => AnsiConsole.WriteLine(m) })
                : FashionMnist.Load(FashionMnistSource.Mini);
            AnsiConsole.MarkupLine($"data: {dataset.Name}, {dataset.Train.Count} train / {dataset.Test.Count} test images from {Markup.Escape(dataset.Location)}");
            var config = new TrainConfig
            {
                Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr), Seed = parse.GetValue(seed),
            };
            config.Validate();
            Seeding.Seed(config.Seed);
            var spec = new ModelSpec(parse.GetValue(arch)!, dataset.Train.Channels, dataset.ClassCount, parse.GetValue(width));
            using var model = spec.Create();
            model.to(dev);
            AnsiConsole.MarkupLine($"model: {spec.Architecture} w={spec.Width}, {model.parameters().Sum(p => p.numel()):N0} parameters");
            var result = TrainingProgressView.Run("train", report =>
                Trainer.Fit(model, dataset.Train, dataset.Test, Normalization.FashionMnist, config, dev, report));
            AnsiConsole.MarkupLine($"[green]done[/]: test accuracy [bold]{result.FinalTestAccuracy:P2}[/] after {config.Epochs} epoch(s); " +
                                   $"training {result.Elapsed.TotalSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return cmd;
    }
}
