using System.CommandLine;
using EraseAtCore.Runtime;
using TorchSharp;
using EraseAtCore.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core features`: a model's logits and stage outputs on an array exactly as given, for comparison with PyTorch or one's own analysis.</summary>
static class FeaturesCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint of the kit (.ckpt).", Required = true };
        var input = new Option<string>("--input") { Description = "Input images as an (n, C, H, W) float32 .npy array, already normalised: no transform is applied.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for logits.npy and <stage>.npy.", Required = true };
        var batch = new Option<int>("--batch") { Description = "Images per forward pass.", DefaultValueFactory = _ => 16 };
        var device = CommonOptions.Device();
        var cmd = new Command("features", "Run a checkpoint in eval mode on an .npy array and write logits.npy and every stage's output (<stage>.npy, n x C x H x W for CNNs and Swin) to a folder.")
            { model, input, output, batch, device };
        cmd.SetAction(parse =>
        {
            string dir = parse.GetValue(output)!;
            int batchSize = parse.GetValue(batch);
            if (batchSize < 1) throw new ArgumentException($"--batch must be at least 1, got {batchSize}.");
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            var loaded = Checkpoint.Load(parse.GetValue(model)!);
            using var m = loaded.Model;
            m.to(dev).eval();
            using var scope = NewDisposeScope();
            var images = Npy.Read(parse.GetValue(input)!);
            var spec = loaded.Info.Model;
            if (images.dim() != 4 || images.shape[1] != spec.InChannels)
                throw new ArgumentException($"--input must be an (n, {spec.InChannels}, H, W) array for {spec.Describe()}; got shape ({string.Join(", ", images.shape)}).");
            if (images.shape[0] == 0) throw new ArgumentException($"--input {parse.GetValue(input)} holds no images (shape ({string.Join(", ", images.shape)})).");
            OutputPath.CheckWritableFolder(dir, "--out");   // last check: it creates the folder
            images = images.to(float32);
            var stages = m.StageNames;
            var logits = new List<Tensor>();
            var perStage = stages.ToDictionary(s => s, _ => new List<Tensor>());
            using (no_grad())
                for (long start = 0; start < images.shape[0]; start += batchSize)
                {
                    // One scope per batch: only the CPU copies outlive it, so device memory does not grow with n.
                    using var batchScope = NewDisposeScope();
                    var output = m.ForwardWithStages(images.slice(0, start, Math.Min(start + batchSize, images.shape[0]), 1).to(dev), stages);
                    logits.Add(output.Logits.cpu().MoveToOuterDisposeScope());
                    foreach (var s in stages) perStage[s].Add(output.Stages[s].cpu().MoveToOuterDisposeScope());
                }
            Npy.Write(Path.Combine(dir, "logits.npy"), cat(logits, 0));
            foreach (var s in stages) Npy.Write(Path.Combine(dir, s + ".npy"), cat(perStage[s], 0));
            AnsiConsole.MarkupLine($"wrote logits.npy ({images.shape[0]} x {spec.Classes}) and {string.Join(", ", stages.Select(s => s + ".npy"))} to [blue]{Markup.Escape(dir)}[/]");
            return 0;
        });
        return cmd;
    }
}
