using System.Diagnostics;
using EraseAtCore.Data;
using EraseAtCore.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Benchmarks;

/// <summary>What <see cref="LoaderBenchmark"/> measures.</summary>
/// <param name="Folder">An ImageNet-style folder (train/ is read).</param>
/// <param name="Size">Side of the images produced (224 for the paper's networks).</param>
/// <param name="BatchSize">Images per batch.</param>
/// <param name="Batches">Timed batches (after one untimed batch).</param>
/// <param name="Workers">Decoding threads.</param>
/// <param name="Training">torchvision's training transform (RandomResizedCrop + flip); false: the evaluation transform (256 then centre 224).</param>
/// <param name="Model">With a model: run a training step on each batch and measure how long each step waits for its batch.</param>
public sealed record LoaderSetup(string Folder, int Size, int BatchSize, int Batches, int Workers, bool Training, ModelSpec? Model = null);

/// <summary>
/// Images per second of the streaming image-folder loader, alone or feeding training steps; with a model it
/// also reports the time each step waited for data (0 when the decoding threads keep ahead).
/// </summary>
public static class LoaderBenchmark
{
    /// <summary>Runs the benchmark; key=value lines as every bench prints them.</summary>
    public static BenchReport Run(LoaderSetup setup, Device device)
    {
        var data = ImageFolder.Load(setup.Folder, new ImageFolderOptions(setup.Size) { Resize = ImageTransforms.EvalResize(setup.Size), Stream = true });
        var options = new BatchOptions(setup.BatchSize, Shuffle: true, Seed: 0, Normalize: Normalization.ImageNet,
            Augment: setup.Training ? Augmentation.ImageNet : null, DropLast: true) { Workers = setup.Workers };
        var loader = new BatchLoader(data.Train, options, device);
        if (loader.BatchCount < setup.Batches + 1)
            throw new ArgumentException($"{setup.Folder}/train holds {data.Train.Count} images: {loader.BatchCount} batches of {setup.BatchSize}, fewer than the {setup.Batches + 1} needed. Use fewer --batches or a smaller --batch.");
        using var model = setup.Model is { } spec ? (spec with { Classes = data.ClassCount }).Create().to(device) : null;
        using var optimizer = model is null ? null : optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        var wait = new List<double>();
        var step = new List<double>();
        var clock = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();
        int seen = -1;
        foreach (var batch in loader.Epoch())
        {
            double waited = clock.Elapsed.TotalMilliseconds;
            using (var scope = NewDisposeScope())
            {
                using var images = batch.Images; using var labels = batch.Labels;
                if (model is not null)
                {
                    var stepClock = Stopwatch.StartNew();
                    model.train();
                    optimizer!.zero_grad();
                    var loss = nn.functional.cross_entropy(model.forward(images), labels);
                    loss.backward();
                    optimizer.step();
                    _ = loss.item<float>();   // wait for the step to finish
                    step.Add(stepClock.Elapsed.TotalMilliseconds);
                }
            }
            if (++seen == 0) total.Restart();   // the first batch pays the start-up: not timed
            else wait.Add(waited);
            if (seen == setup.Batches) break;
            clock.Restart();
        }
        double seconds = total.Elapsed.TotalSeconds;
        var report = BenchReport.Start("loader", device)
            .Add("folder", setup.Folder).Add("train_images", data.Train.Count).Add("size", setup.Size).Add("batch", setup.BatchSize)
            .Add("batches", setup.Batches).Add("workers", setup.Workers).Add("transform", setup.Training ? "train" : "eval")
            .Add("images_per_s", setup.Batches * setup.BatchSize / seconds, 1);
        if (model is not null)
            report.Add("arch", setup.Model!.Architecture).Add("step_ms_median", SampleStats.Median(step), 1)
                .Add("wait_ms_median", SampleStats.Median(wait), 1).Add("wait_fraction", wait.Sum() / (seconds * 1000), 3);
        else report.Add("batch_ms_median", SampleStats.Median(wait), 1);
        return report.Add("peak_rss_mib", Runtime.ProcessMemory.PeakResidentMiB(), 0);
    }
}
