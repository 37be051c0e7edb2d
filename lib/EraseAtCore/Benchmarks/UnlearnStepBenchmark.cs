using System.Diagnostics;
using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Benchmarks;

/// <summary>What to time: the steps of one unlearning method of <see cref="MethodCatalog"/> on random data.</summary>
/// <param name="Method">A method name of <see cref="MethodCatalog.Names"/> (any loop method: not "retrain").</param>
/// <param name="Model">The Original's spec (a freshly initialised model of it is unlearned).</param>
/// <param name="Batch">Images per forget batch and per retain batch.</param>
/// <param name="Steps">Timed steps per pass.</param>
/// <param name="Warmup">Steps not timed first (allocator and kernel selection settle).</param>
/// <param name="Size">Image side in pixels.</param>
public sealed record UnlearnStepSetup(string Method, ModelSpec Model, int Batch = 64, int Steps = 20, int Warmup = 3, int Size = 28)
{
    /// <summary>The method's own options as <c>key=value</c> items (as <c>--option</c> takes them); null: its defaults.</summary>
    public IReadOnlyList<string>? Options { get; init; }

    /// <summary>Checks the numbers.</summary>
    public void Validate()
    {
        if (Steps <= 0 || Warmup < 0 || Batch <= 0 || Size <= 0)
            throw new ArgumentException("steps, batch and size must be positive, warm-up not negative.");
    }
}

/// <summary>One timed run of an unlearning method.</summary>
/// <param name="Method">The method's name.</param>
/// <param name="SetupMs">Time of the method's plan before its first step: SalUn's saliency mask, EC's heads and their
/// warm-up, SCRUB's teacher copy (about 0 for RL, GA, FT, NegGrad+, l1-sparse, CU).</param>
/// <param name="StepMs">Wall time of each timed step (one step: batches, loss, backward, gradient hook, SGD update and,
/// at log points, the loop's own logging), in order.</param>
/// <param name="ForgetImages">Forget-set size (a multiple of the batch).</param>
/// <param name="RetainImages">Retain-set size (a multiple of the batch).</param>
/// <param name="Diverged">Whether the loop's divergence guard stopped the run early (fewer steps were timed).</param>
/// <param name="PeakRssMiB">Peak resident memory of the process so far.</param>
public sealed record UnlearnStepTimes(string Method, double SetupMs, IReadOnlyList<double> StepMs, int ForgetImages, int RetainImages,
    bool Diverged, double PeakRssMiB)
{
    /// <summary>Median step time (the figure to compare).</summary>
    public double MedianMs => SampleStats.Median(StepMs);

    /// <summary>The run's figures as bench lines (method, setup, step median/min/max/mean, steps timed).</summary>
    public BenchReport ToReport() => Report(Method, [this]);

    /// <summary>The figures of several runs of one method pooled: step statistics over all their steps, setup as a median.</summary>
    internal static BenchReport Report(string method, IReadOnlyList<UnlearnStepTimes> runs)
    {
        var steps = runs.SelectMany(r => r.StepMs).ToList();
        return new BenchReport()
            .Add("method", method)
            .Add("setup_ms", SampleStats.Median(runs.Select(r => r.SetupMs)))
            .Add("unlearn_step_ms", SampleStats.Median(steps))
            .Add("unlearn_step_ms_min", SampleStats.Min(steps))
            .Add("unlearn_step_ms_max", SampleStats.Max(steps))
            .Add("unlearn_step_ms_mean", SampleStats.Mean(steps))
            .Add("steps_timed", steps.Count)
            .Add("diverged", runs.Any(r => r.Diverged) ? "true" : "false");
    }
}

/// <summary>Interleaved runs of several methods, and each one's step time over the last one's.</summary>
/// <param name="Runs">Per method (in the order given), its runs, one per round.</param>
/// <param name="Rounds">Rounds run; each round runs every method once, in alternating order.</param>
public sealed record UnlearnComparison(IReadOnlyList<(string Method, IReadOnlyList<UnlearnStepTimes> Runs)> Runs, int Rounds)
{
    /// <summary>The baseline: the last method given.</summary>
    public string Baseline => Runs[^1].Method;

    /// <summary>Per round, <paramref name="method"/>'s median step over the baseline's median step in that round.</summary>
    public IReadOnlyList<double> RatiosPerRound(string method)
    {
        var runs = Runs.First(r => r.Method == method).Runs;
        var baseline = Runs[^1].Runs;
        return runs.Zip(baseline, (a, b) => a.MedianMs / b.MedianMs).ToList();
    }

    /// <summary>
    /// Bench lines: for each method its pooled figures under "method." keys, then for each other method
    /// "X_over_B" (median over rounds of the per-round ratio, B the baseline) with the per-round values.
    /// </summary>
    public BenchReport ToReport()
    {
        var report = new BenchReport().Add("compare", string.Join(",", Runs.Select(r => r.Method))).Add("rounds", Rounds);
        foreach (var (method, runs) in Runs) report.AddAll(BenchReport.KeyOf(method), UnlearnStepTimes.Report(method, runs));
        foreach (var (method, _) in Runs.Take(Runs.Count - 1))
        {
            var ratios = RatiosPerRound(method);
            string key = $"{BenchReport.KeyOf(method)}_over_{BenchReport.KeyOf(Baseline)}";
            report.Add(key, SampleStats.Median(ratios), 3)
                  .Add(key + "_rounds", string.Join(",", ratios.Select(r => r.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))));
        }
        return report;
    }
}

/// <summary>
/// Times the steps of an unlearning method as the shared <see cref="UnlearningLoop"/> runs them, through the
/// context's <see cref="UnlearnContext.StepDone"/> hook (a clock read per step, nothing else). The data are random
/// images (<see cref="BenchData.RandomForgetRequest"/>) sized so that each pass is exactly warm-up + steps + 1 full
/// batches, one epoch long; the Original is a freshly initialised model (the cost of a step does not depend on the
/// weights). The method's plan (SalUn's mask, EC's head warm-up) is timed separately as setup.
/// Used by <c>erase-core bench unlearn</c>.
/// </summary>
public static class UnlearnStepBenchmark
{
    /// <summary>One run of <paramref name="setup"/>'s method on <paramref name="device"/>.</summary>
    public static UnlearnStepTimes Run(UnlearnStepSetup setup, Device device)
    {
        setup.Validate();
        var spec = setup.Model with { ImageSize = setup.Size };
        int images = (setup.Warmup + setup.Steps + 1) * setup.Batch;
        var split = BenchData.RandomForgetRequest(images, images, spec.InChannels, setup.Size, spec.Classes);
        var method = MethodCatalog.Create(setup.Method, new TrainConfig(), MethodOptions.Parse(setup.Options ?? []));
        if (method is not LoopMethod loop)
            throw new ArgumentException($"'{setup.Method}' does not unlearn with the shared loop (retrain trains a new model: time its steps with `bench train`).");
        var config = MethodCatalog.DefaultConfig(setup.Method) with { Epochs = 1, Steps = null, BatchSize = setup.Batch };
        Seeding.Seed(0);
        using var original = spec.Create();
        original.to(device).eval();
        var stamps = new List<long>(2 * (setup.Warmup + setup.Steps + 1));
        void Stamp()
        {
            if (device.type == DeviceType.CUDA) cuda.synchronize();
            stamps.Add(Stopwatch.GetTimestamp());
        }
        var context = new UnlearnContext(original, split, new Feed(BenchData.RandomNormalization(spec.InChannels), device), config) { StepDone = _ => Stamp() };
        long start = Stopwatch.GetTimestamp();
        var plan = loop.Plan(context);
        if (device.type == DeviceType.CUDA) cuda.synchronize();
        double setupMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var result = UnlearningLoop.Run(loop.Name, context, plan);
        result.Model.Dispose();
        // A step's time is the gap between its end and the previous step's end; the first step has none.
        var steps = stamps.Zip(stamps.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalMilliseconds).Skip(setup.Warmup).ToList();
        if (steps.Count == 0)
            throw new InvalidOperationException($"{setup.Method} stopped before any timed step ({result.StopReason ?? "no step ran"}).");
        return new UnlearnStepTimes(loop.Name, setupMs, steps, split.Train.Forget.Count, split.Train.Retain.Count, result.Diverged, ProcessMemory.PeakResidentMiB());
    }

    /// <summary>
    /// Runs every setup once per round, interleaved (the order alternates from round to round, so neither method
    /// always runs first), on a machine whose speed drifts: compare the per-round ratios, not absolute times.
    /// </summary>
    public static UnlearnComparison Compare(IReadOnlyList<UnlearnStepSetup> setups, int rounds, Device device)
    {
        if (setups.Count < 2) throw new ArgumentException("Name at least two methods to compare (e.g. --compare ec,rl).");
        if (rounds < 1) throw new ArgumentException($"rounds must be at least 1, got {rounds}.");
        var runs = setups.Select(_ => new List<UnlearnStepTimes>()).ToList();
        for (int round = 0; round < rounds; round++)
        {
            var order = Enumerable.Range(0, setups.Count);
            foreach (int i in round % 2 == 0 ? order : order.Reverse()) runs[i].Add(Run(setups[i], device));
        }
        return new UnlearnComparison(setups.Select((s, i) => (runs[i][0].Method, (IReadOnlyList<UnlearnStepTimes>)runs[i])).ToList(), rounds);
    }
}
