using System.Diagnostics;
using System.Text;
using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>Which set's batches make up an epoch; the other set's batches are cycled alongside.</summary>
public enum EpochDriver
{
    /// <summary>One epoch = one pass over the forget set (GA, RL, SalUn, CU).</summary>
    Forget,
    /// <summary>One epoch = one pass over the retain set (FT, l1-sparse, NegGrad+).</summary>
    Retain,
}

/// <summary>The batches and counters a method's loss sees at one step.</summary>
/// <param name="Model">The model being unlearned (in training mode).</param>
/// <param name="Forget">A forget batch, when the plan asks for one.</param>
/// <param name="Retain">A retain batch, when the plan asks for one.</param>
/// <param name="Epoch">Epoch, 1-based.</param>
/// <param name="Step">Step within the epoch, 1-based.</param>
/// <param name="GlobalStep">Steps since the start, 0-based.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
public sealed record StepInputs(StagedModel Model, Batch? Forget, Batch? Retain, int Epoch, int Step, long GlobalStep, long TotalSteps);

/// <summary>
/// What a method plugs into the shared loop: which data drive an epoch, whether each step gets a forget
/// and/or a retain batch, the loss (named terms, one called "total" is minimised), and optional hooks.
/// </summary>
public sealed record LoopPlan
{
    /// <summary>Which set defines an epoch.</summary>
    public required EpochDriver Driver { get; init; }
    /// <summary>Give each step a forget batch.</summary>
    public bool UsesForget { get; init; }
    /// <summary>Give each step a retain batch.</summary>
    public bool UsesRetain { get; init; }
    /// <summary>The loss terms of one step; must contain "total", the value minimised.</summary>
    public required Func<StepInputs, IReadOnlyDictionary<string, Tensor>> Loss { get; init; }
    /// <summary>Applied to the gradients after backward, before the update (e.g. SalUn's weight mask).</summary>
    public Action<StagedModel>? AfterBackward { get; init; }
    /// <summary>Per-step learning-rate multiplier (e.g. SCRUB's phases); null = 1.</summary>
    public Func<StepInputs, double>? RateScale { get; init; }
}

/// <summary>
/// The loop every baseline shares, so no method copies a training loop: copy the Original, then per
/// step draw batches, compute the method's loss, step SGD; log at intervals; guard against divergence.
/// </summary>
public static class UnlearningLoop
{
    /// <summary>A fresh model with the Original's architecture and weights (buffers included), on <paramref name="device"/>.</summary>
    public static StagedModel Copy(StagedModel original, Device device)
    {
        var copy = original.Spec.Create();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) original.save(writer);
        stream.Position = 0;
        using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true)) copy.load(reader);
        copy.to(device);
        return copy;
    }

    /// <summary>Runs <paramref name="plan"/> for the configured epochs and returns the unlearned model.</summary>
    public static UnlearnResult Run(string method, UnlearnContext context, LoopPlan plan)
    {
        var config = context.Config;
        config.Validate();
        var split = context.Split;
        if (plan.UsesForget && split.Train.Forget.Count == 0) throw new ArgumentException($"{method} needs forget images; the forget set is empty.");
        if (plan.UsesRetain && split.Train.Retain.Count == 0) throw new ArgumentException($"{method} needs retain images; the retain set is empty.");
        var rng = Seeding.Seed(config.Seed);
        var model = Copy(context.Original, context.Device);
        var clock = Stopwatch.StartNew();
        var log = new List<UnlearnLogEntry>();
        string? stop = null;
        try
        {
            model.train();
            var forget = new BatchLoader(split.Train.Forget, new BatchOptions(config.BatchSize, Shuffle: true, config.Seed, context.Normalize), context.Device);
            var retain = new BatchLoader(split.Train.Retain, new BatchOptions(config.BatchSize, Shuffle: true, config.Seed + 1, context.Normalize), context.Device);
            var driver = plan.Driver == EpochDriver.Forget ? forget : retain;
            var cycled = plan.Driver == EpochDriver.Forget ? (plan.UsesRetain ? retain : null) : (plan.UsesForget ? forget : null);
            using var optimizer = optim.SGD(model.parameters(), config.LearningRate, config.Momentum, weight_decay: config.WeightDecay);
            long total = (long)driver.BatchCount * config.Epochs, global = 0;
            double normLimit = ParameterNorm(model) * config.MaxWeightNormRatio;
            var lastGood = Snapshot(model);
            var cycle = Cycle(cycled);
            for (int epoch = 1; epoch <= config.Epochs && stop is null; epoch++)
            {
                int step = 0;
                foreach (var driving in driver.Epoch(epoch))
                {
                    step++;
                    Batch? other = null;
                    using (var scope = NewDisposeScope())
                    {
                        if (cycle is not null) { cycle.MoveNext(); other = cycle.Current; }
                        var inputs = new StepInputs(model,
                            plan.Driver == EpochDriver.Forget ? driving : other,
                            plan.Driver == EpochDriver.Retain ? driving : other,
                            epoch, step, global, total);
                        double rate = (config.Cosine ? config.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * global / Math.Max(1, total))) : config.LearningRate)
                                      * (plan.RateScale?.Invoke(inputs) ?? 1.0);
                        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
                        optimizer.zero_grad();
                        var losses = plan.Loss(inputs);
                        if (!losses.TryGetValue("total", out var loss))
                            throw new InvalidOperationException($"{method}'s loss returned no 'total' term.");
                        loss.backward();
                        plan.AfterBackward?.Invoke(model);
                        optimizer.step();
                        // Reading values forces a device sync: only at log points and at the end of an epoch.
                        bool check = step % config.LogEvery == 0 || step == driver.BatchCount;
                        if (check)
                        {
                            var values = losses.ToDictionary(kv => kv.Key, kv => kv.Value.item<float>() is var v ? (double)v : 0);
                            log.Add(new UnlearnLogEntry(epoch, step, values));
                            double norm = ParameterNorm(model);
                            if (values.Values.Any(v => !double.IsFinite(v)) || !double.IsFinite(norm) || norm > normLimit)
                            {
                                stop = $"{method} diverged at epoch {epoch} step {step} (loss {values["total"]:G4}, weight norm {norm:G4}, " +
                                       $"limit {normLimit:G4}); kept the last good state. Lower the learning rate or the number of epochs.";
                                Restore(model, lastGood);
                            }
                            else
                            {
                                foreach (var t in lastGood.Values) t.Dispose();
                                lastGood = Snapshot(model);
                            }
                            context.Progress?.Invoke(new UnlearnProgress(epoch, config.Epochs, step, driver.BatchCount, values, clock.Elapsed));
                        }
                    }
                    driving.Images.Dispose(); driving.Labels.Dispose();
                    if (other is { } o) { o.Images.Dispose(); o.Labels.Dispose(); }
                    global++;
                    if (stop is not null) break;
                }
            }
            foreach (var t in lastGood.Values) t.Dispose();
            cycle?.Dispose();
            _ = rng;
            model.eval();
            return new UnlearnResult(model, method, log, clock.Elapsed, stop);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    // Endless batches of a loader, epoch after epoch (the non-driving set is cycled).
    static IEnumerator<Batch>? Cycle(BatchLoader? loader)
    {
        if (loader is null) return null;
        IEnumerable<Batch> Forever() { for (int e = 1; ; e++) foreach (var b in loader.Epoch(e)) yield return b; }
        return Forever().GetEnumerator();
    }

    static double ParameterNorm(StagedModel model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var sum = zeros(1, dtype: float64, device: model.parameters().First().device);
        foreach (var p in model.parameters()) sum.add_(p.detach().to(float64).pow(2).sum());
        return Math.Sqrt(sum.item<double>());
    }

    static Dictionary<string, Tensor> Snapshot(StagedModel model)
    {
        using var _ = no_grad();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    static void Restore(StagedModel model, Dictionary<string, Tensor> state)
    {
        using var _ = no_grad();
        foreach (var (name, value) in model.state_dict()) value.copy_(state[name]);
    }
}
