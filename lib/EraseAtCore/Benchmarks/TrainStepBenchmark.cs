using System.Diagnostics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Benchmarks;

/// <summary>What to time: one SGD step of a model on random data of a given shape.</summary>
/// <param name="Model">The model spec (channels and classes included).</param>
/// <param name="Batch">Images per step.</param>
/// <param name="Size">Image side in pixels.</param>
/// <param name="Steps">Timed steps.</param>
/// <param name="Warmup">Untimed steps first (allocator and kernel selection settle).</param>
public sealed record TrainStepSetup(ModelSpec Model, int Batch = 128, int Size = 28, int Steps = 20, int Warmup = 5);

/// <summary>Step times in milliseconds and memory, as measured.</summary>
/// <param name="StepMs">Every timed step, in order.</param>
/// <param name="PeakRssMiB">Peak resident memory of the process so far.</param>
/// <param name="Parameters">Trainable parameters of the model (to check that a peer times the same network).</param>
public sealed record TrainStepTimes(IReadOnlyList<double> StepMs, double PeakRssMiB, long Parameters = 0)
{
    /// <summary>Median step time (the figure to compare).</summary>
    public double MedianMs => SampleStats.Median(StepMs);

    /// <summary>
    /// The bench lines of <c>erase-core bench train</c> for this run of <paramref name="setup"/>: the settings, the
    /// environment, train_step_ms (median) with min and max, images/s, parameters and peak_rss_mib. The PyTorch peer
    /// (bench/pytorch_peer.py) prints the same keys.
    /// </summary>
    public BenchReport ToReport(TrainStepSetup setup, Device device) => BenchReport.Start("train", device)
        .Add("impl", "erase-core")
        .Add("arch", setup.Model.Architecture).Add("width", setup.Model.Width).Add("batch", setup.Batch).Add("size", setup.Size)
        .Add("channels", setup.Model.InChannels).Add("steps", setup.Steps).Add("warmup", setup.Warmup)
        .Add("parameters", Parameters)
        .Add("train_step_ms", MedianMs).Add("train_step_ms_min", SampleStats.Min(StepMs)).Add("train_step_ms_max", SampleStats.Max(StepMs))
        .Add("images_per_s", setup.Batch * 1000 / MedianMs, 1)
        .Add("peak_rss_mib", PeakRssMiB, 0);
}

/// <summary>
/// Times training steps (forward, cross-entropy, backward, SGD update) the way a PyTorch script would
/// be timed, so the two can be compared as a ratio. Used by `erase-core bench train`.
/// </summary>
public static class TrainStepBenchmark
{
    /// <summary>Runs the warm-up and timed steps on <paramref name="device"/>.</summary>
    public static TrainStepTimes Run(TrainStepSetup setup, Device device)
    {
        if (setup.Steps <= 0 || setup.Warmup < 0 || setup.Batch <= 0 || setup.Size <= 0)
            throw new ArgumentException("steps and batch and size must be positive, warm-up not negative.");
        Seeding.Seed(0);
        using var model = (setup.Model with { ImageSize = setup.Size }).Create();
        model.to(device).train();
        using var optimizer = optim.SGD(model.parameters(), 0.01, 0.9, weight_decay: 5e-4);
        using var x = randn(setup.Batch, setup.Model.InChannels, setup.Size, setup.Size, device: device);
        using var y = randint(0, setup.Model.Classes, [setup.Batch], device: device);
        var times = new List<double>();
        for (int i = 0; i < setup.Warmup + setup.Steps; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                optimizer.zero_grad();
                nn.functional.cross_entropy(model.forward(x), y).backward();
                optimizer.step();
                if (device.type == DeviceType.CUDA) cuda.synchronize();
            }
            if (i >= setup.Warmup) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return new TrainStepTimes(times, ProcessMemory.PeakResidentMiB(), model.parameters().Sum(p => p.numel()));
    }
}
