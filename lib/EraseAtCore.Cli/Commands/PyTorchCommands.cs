using System.CommandLine;
using EraseAtCore.Interop;
using EraseAtCore.Models;
using EraseAtCore.Training;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core import` and `erase-core export`: PyTorch weight files in and out of the kit's checkpoints.</summary>
static class PyTorchCommands
{
    public static Command Import()
    {
        var from = new Option<string>("--from") { Description = "PyTorch file: a state dict (.pth, .pt), a checkpoint dict (.tar, .pth.tar; weights under state_dict, model or --key) or .safetensors.", Required = true };
        var arch = new Option<string>("--arch") { Description = $"Architecture of the weights: {string.Join(", ", ModelSpec.Architectures)}.", Required = true };
        arch.AcceptOnlyFromAmong([.. ModelSpec.Architectures]);
        var classes = new Option<int>("--classes") { Description = "Number of classes of the classifier in the file.", Required = true };
        var key = new Option<string?>("--key") { Description = "Key of the checkpoint dict that holds the state dict (default: the file itself, else state_dict, model, model_state_dict, net)." };
        var width = new Option<int>("--width") { Description = "ResNet width (torchvision's networks: 64).", DefaultValueFactory = _ => 64 };
        var role = new Option<string>("--role") { Description = "What the model is: original, retrain, or the unlearning method that made it (recorded in the checkpoint).", DefaultValueFactory = _ => "original" };
        var dataset = new Option<string>("--dataset") { Description = "The dataset as the preset that will evaluate the model names it (imagefolder for ImageNet folders, cifar100, fashion-mnist-mini, ...); eval and unlearn check it.", DefaultValueFactory = _ => "imported" };
        var output = new Option<string>("--out") { Description = "Checkpoint to write (.ckpt).", Required = true };
        var cmd = new Command("import", "Read a PyTorch state dict (e.g. torchvision's resnet50 or swin_t, or the paper authors' files) into a checkpoint of the kit. " +
                                        "Every key must match by name and shape; mismatches are listed and nothing is written.")
            { from, arch, classes, key, width, role, dataset, output };
        cmd.SetAction(parse =>
        {
            string source = parse.GetValue(from)!, target = parse.GetValue(output)!;
            OutputPath.CheckWritable(target, "--out");
            var spec = new ModelSpec(parse.GetValue(arch)!, 3, parse.GetValue(classes), parse.GetValue(width));
            if (spec.Classes < 2) throw new ArgumentException($"--classes must be at least 2, got {spec.Classes}.");
            using var model = PyTorchWeights.Import(source, spec, parse.GetValue(key));
            Checkpoint.Save(target, model, new CheckpointInfo
            {
                Model = spec, Role = parse.GetValue(role)!, Dataset = parse.GetValue(dataset)!,
                ClassNames = Enumerable.Range(0, spec.Classes).Select(i => i.ToString()).ToArray(),
            });
            long parameters = model.parameters().Sum(p => p.numel());
            AnsiConsole.MarkupLine($"imported {Markup.Escape(spec.Describe())} ({parameters:N0} parameters, {spec.Classes} classes) from {Markup.Escape(source)} to [blue]{Markup.Escape(target)}[/]");
            return 0;
        });
        return cmd;
    }

    public static Command Export()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint of the kit (.ckpt).", Required = true };
        var output = new Option<string>("--out") { Description = "File to write: .pth / .pt (torch.save state dict) or .safetensors.", Required = true };
        var cmd = new Command("export", "Write a checkpoint's weights as a PyTorch state dict. Models of torchvision's layouts (resnet18/34/50-imagenet width 64, swin-t) " +
                                        "load into torchvision.models.<arch>(num_classes=N) with strict=True.")
            { model, output };
        cmd.SetAction(parse =>
        {
            string source = parse.GetValue(model)!, target = parse.GetValue(output)!;
            OutputPath.CheckWritable(target, "--out");
            var loaded = Checkpoint.Load(source);
            using var m = loaded.Model;
            PyTorchWeights.Export(m, target);
            var spec = loaded.Info.Model;
            string loadsInto = spec.TorchvisionName is { } tv && (spec.Width == 64 || spec.Architecture == "swin-t") && spec.InChannels == 3
                ? $"torchvision.models.{tv}(num_classes={spec.Classes})"
                : "a PyTorch module with the kit's parameter names (not a torchvision layout)";
            AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(target)}[/]: {m.state_dict().Count} tensors of {Markup.Escape(spec.Describe())}, loads into {Markup.Escape(loadsInto)}");
            return 0;
        });
        return cmd;
    }
}
