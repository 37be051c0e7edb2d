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
public sealed record TrainStepTimes(IReadOnlyList<double> StepMs, double PeakRssMiB)
{
    /// <summary>Median step time (the figure to compare).</summary>
    public double MedianMs => Median(StepMs);
    static double Median(IReadOnlyList<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
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
        return new TrainStepTimes(times, ProcessMemory.PeakResidentMiB());
    }
}
