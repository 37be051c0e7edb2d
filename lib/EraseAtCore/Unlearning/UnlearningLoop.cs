using System.Diagnostics;
using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>
/// The loop every loop-based method shares, so no method copies a training loop: copy the Original, then
/// per epoch run the plan's passes; per step draw batches, compute the pass's loss, step one SGD optimiser
/// (model and companions); log at intervals; guard against divergence.
/// </summary>
public static class UnlearningLoop
{
    /// <summary>Runs <paramref name="plan"/> for the configured epochs and returns the unlearned model; disposes the plan's owned resources.</summary>
    public static UnlearnResult Run(string method, UnlearnContext context, LoopPlan plan)
    {
        try { return RunPlan(method, context, plan); }
        finally { foreach (var owned in plan.Owned) owned.Dispose(); }
    }

    static UnlearnResult RunPlan(string method, UnlearnContext context, LoopPlan plan)
    {
        var config = context.Config;
        config.Validate();
        var split = context.Split;
        if (plan.Passes.Count == 0) throw new ArgumentException($"{method}'s plan has no passes.");
        if (plan.Passes.Any(p => p.UsesForget || p.Driver == EpochDriver.Forget) && split.Train.Forget.Count == 0)
            throw new ArgumentException($"{method} needs forget images; the forget set is empty.");
        if (plan.Passes.Any(p => p.UsesRetain || p.Driver == EpochDriver.Retain) && split.Train.Retain.Count == 0)
            throw new ArgumentException($"{method} needs retain images; the retain set is empty.");
        Seeding.Seed(config.Seed);
        var model = ModelCopy.Of(context.Original, context.Device);
        var clock = Stopwatch.StartNew();
        var log = new List<UnlearnLogEntry>();
        string? stop = null;
        var trained = new List<nn.Module> { model };
        trained.AddRange(plan.Companions);
        List<Tensor>? lastGood = null;
        var loaders = new Loaders(split, config, context);
        try
        {
            foreach (var m in trained) { m.to(context.Device); m.train(); }
            var parameters = trained.SelectMany(m => m.parameters()).ToList();
            using var optimizer = optim.SGD(parameters, config.LearningRate, config.Momentum,
                weight_decay: plan.OptimizerAppliesDecay ? config.WeightDecay : 0);
            int StepsIn(int epoch) => plan.Passes.Where(p => p.RunsIn(epoch)).Sum(p => loaders.Of(p.Driver).BatchCount);
            if (Enumerable.Range(1, Math.Max(config.Epochs, 1)).All(e => StepsIn(e) == 0))
                throw new ArgumentException($"{method}'s plan runs no pass in any epoch.");
            long total = config.Steps ?? Enumerable.Range(1, config.Epochs).Sum(e => (long)StepsIn(e)), global = 0;
            // With a step budget the epochs run on (a pass that stops running, like SCRUB's max pass, leaves the rest) until the budget is spent.
            int epochs = config.Steps is null ? config.Epochs : int.MaxValue;
            int shownEpochs = config.Steps is null ? config.Epochs : EpochsFor(total, StepsIn); // for progress lines only
            double normLimit = ParameterNorm(model) * config.MaxWeightNormRatio;
            lastGood = ModelCopy.Snapshot(trained);
            for (int epoch = 1; epoch <= epochs && global < total && stop is null; epoch++)
            {
                int step = 0, epochSteps = StepsIn(epoch);
                if (epochSteps == 0 && config.Steps is not null && epoch > 1 && Enumerable.Range(epoch, 1000).All(e => StepsIn(e) == 0))
                    throw new ArgumentException($"{method}'s plan stops running passes after epoch {epoch - 1}, before the step budget of {total} is spent.");
                foreach (var pass in plan.Passes.Where(p => p.RunsIn(epoch)))
                {
                    var driver = loaders.Of(pass.Driver);
                    bool cycleForget = pass.Driver == EpochDriver.Retain && pass.UsesForget;
                    bool cycleRetain = pass.Driver == EpochDriver.Forget && pass.UsesRetain;
                    int passStep = 0;
                    foreach (var driving in driver.Epoch(epoch))
                    {
                        step++; passStep++;
                        Batch? other = cycleForget ? loaders.NextCycled(EpochDriver.Forget) : cycleRetain ? loaders.NextCycled(EpochDriver.Retain) : null;
                        using (var scope = NewDisposeScope())
                        {
                            var inputs = new StepInputs(model,
                                pass.Driver == EpochDriver.Forget ? driving : other,
                                pass.Driver == EpochDriver.Retain ? driving : other,
                                pass.Name, epoch, step, global, total);
                            double rate = config.Cosine ? CosineDecay.Rate(config.LearningRate, global, total) : config.LearningRate;
                            foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
                            optimizer.zero_grad();
                            var losses = pass.Loss(inputs);
                            if (!losses.TryGetValue("total", out var loss))
                                throw new InvalidOperationException($"{method}'s loss returned no 'total' term.");
                            loss.backward();
                            plan.AfterBackward?.Invoke(model);
                            optimizer.step();
                            // Reading values forces a device sync: only at log points and at the end of a pass.
                            if (step % config.LogEvery == 0 || passStep == driver.BatchCount)
                            {
                                var values = losses.ToDictionary(kv => kv.Key, kv => (double)kv.Value.item<float>());
                                log.Add(new UnlearnLogEntry(epoch, step, values));
                                double norm = ParameterNorm(model);
                                if (values.Values.Any(v => !double.IsFinite(v)) || !double.IsFinite(norm) || norm > normLimit)
                                {
                                    stop = $"{method} diverged at epoch {epoch} step {step} (loss {values["total"]:G4}, weight norm {norm:G4}, " +
                                           $"limit {normLimit:G4}); kept the last good state. Lower the learning rate or the number of epochs.";
                                    ModelCopy.Restore(trained, lastGood);
                                }
                                else
                                {
                                    foreach (var t in lastGood) t.Dispose();
                                    lastGood = ModelCopy.Snapshot(trained);
                                }
                                context.Progress?.Invoke(new UnlearnProgress(epoch, shownEpochs, step, epochSteps, values, clock.Elapsed, global + 1, total));
                            }
                        }
                        driving.Images.Dispose(); driving.Labels.Dispose();
                        if (other is { } o) { o.Images.Dispose(); o.Labels.Dispose(); }
                        context.StepDone?.Invoke(global);
                        global++;
                        if (stop is not null || global >= total) break;
                    }
                    if (stop is not null || global >= total) break;
                }
            }
            model.eval();
            foreach (var c in plan.Companions) c.eval();
            return new UnlearnResult(model, method, log, clock.Elapsed, stop);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            if (lastGood is not null) foreach (var t in lastGood) t.Dispose();
            loaders.Dispose();
        }
    }

    // The forget and retain loaders, and endless shuffled streams of each for the set a pass cycles.
    sealed class Loaders(ForgetSplit split, UnlearnConfig config, UnlearnContext context) : IDisposable
    {
        readonly BatchLoader _forget = new(split.Train.Forget, new BatchOptions(config.BatchSize, Shuffle: true, config.Seed, context.Normalize), context.Device);
        readonly BatchLoader _retain = new(split.Train.Retain, new BatchOptions(config.BatchSize, Shuffle: true, config.Seed + 1, context.Normalize), context.Device);
        IEnumerator<Batch>? _forgetCycle, _retainCycle;

        public BatchLoader Of(EpochDriver set) => set == EpochDriver.Forget ? _forget : _retain;

        public Batch NextCycled(EpochDriver set)
        {
            ref var cycle = ref set == EpochDriver.Forget ? ref _forgetCycle : ref _retainCycle;
            cycle ??= Forever(Of(set)).GetEnumerator();
            cycle.MoveNext();
            return cycle.Current;
        }

        // Epoch numbers offset by 1000 so a cycled stream never replays the order of the driving one.
        static IEnumerable<Batch> Forever(BatchLoader loader) { for (int e = 1001; ; e++) foreach (var b in loader.Epoch(e)) yield return b; }

        public void Dispose() { _forgetCycle?.Dispose(); _retainCycle?.Dispose(); }
    }

    // The epochs a step budget spans, for progress lines (the last one may be partial).
    static int EpochsFor(long total, Func<int, int> stepsIn)
    {
        long sum = 0; int epoch = 0;
        while (sum < total && epoch < 100_000) sum += stepsIn(++epoch);
        return epoch;
    }

    static double ParameterNorm(StagedModel model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var sum = zeros(1, dtype: float64, device: model.parameters().First().device);
        foreach (var p in model.parameters()) sum.add_(p.detach().to(float64).pow(2).sum());
        return Math.Sqrt(sum.item<double>());
    }
}
