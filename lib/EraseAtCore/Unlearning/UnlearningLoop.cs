using EraseAtCore.Models;
using EraseAtCore.Runtime;

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
        CheckInputs(method, context, plan);
        Seeding.Seed(context.Config.Seed);
        var model = ModelCopy.Of(context.Original, context.Feed.Device);
        LoopRun? run = null;
        try
        {
            run = new LoopRun(method, context, plan, model);
            run.RunEpochs();
            return run.Finish();
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally { run?.Dispose(); }
    }

    // Refuses, before anything is copied, a plan that cannot run on this split.
    static void CheckInputs(string method, UnlearnContext context, LoopPlan plan)
    {
        context.Config.Validate();
        var split = context.Split;
        if (plan.Passes.Count == 0) throw new ArgumentException($"{method}'s plan has no passes.");
        if (plan.Passes.Any(p => p.UsesForget || p.Driver == EpochDriver.Forget) && split.Train.Forget.Count == 0)
            throw new ArgumentException($"{method} needs forget images; the forget set is empty.");
        if (plan.Passes.Any(p => p.UsesRetain || p.Driver == EpochDriver.Retain) && split.Train.Retain.Count == 0)
            throw new ArgumentException($"{method} needs retain images; the retain set is empty.");
    }
}
