namespace EraseAtCore.Unlearning;

/// <summary>
/// How many steps a run takes and over how many epochs: the configured epochs' steps, or a step budget that runs
/// epoch after epoch until it is spent (the cosine decays over it either way).
/// </summary>
sealed class StepBudget
{
    readonly string _method;
    readonly LoopPlan _plan;
    readonly LoopLoaders _loaders;
    readonly bool _byBudget;

    public StepBudget(string method, LoopPlan plan, LoopLoaders loaders, UnlearnConfig config)
    {
        (_method, _plan, _loaders, _byBudget) = (method, plan, loaders, config.Steps is not null);
        if (Enumerable.Range(1, Math.Max(config.Epochs, 1)).All(e => StepsIn(e) == 0))
            throw new ArgumentException($"{method}'s plan runs no pass in any epoch.");
        Total = config.Steps ?? Enumerable.Range(1, config.Epochs).Sum(e => (long)StepsIn(e));
        // With a step budget the epochs run on (a pass that stops running, like SCRUB's max pass, leaves the rest) until the budget is spent.
        Epochs = _byBudget ? int.MaxValue : config.Epochs;
        ShownEpochs = _byBudget ? EpochsSpanned() : config.Epochs;
    }

    /// <summary>Optimiser steps of the whole run.</summary>
    public long Total { get; }
    /// <summary>The last epoch the run may reach.</summary>
    public int Epochs { get; }
    /// <summary>The epochs progress lines show (a step budget's last one may be partial).</summary>
    public int ShownEpochs { get; }

    /// <summary>Steps in <paramref name="epoch"/>: the batches of every pass that runs in it.</summary>
    public int StepsIn(int epoch) => _plan.Passes.Where(p => p.RunsIn(epoch)).Sum(p => _loaders.Of(p.Driver).BatchCount);

    /// <summary>Refuses a budget the plan can no longer spend: no pass runs from <paramref name="epoch"/> on.</summary>
    public void CheckPassesRemain(int epoch)
    {
        if (_byBudget && epoch > 1 && StepsIn(epoch) == 0 && Enumerable.Range(epoch, 1000).All(e => StepsIn(e) == 0))
            throw new ArgumentException($"{_method}'s plan stops running passes after epoch {epoch - 1}, before the step budget of {Total} is spent.");
    }

    int EpochsSpanned()
    {
        long sum = 0; int epoch = 0;
        while (sum < Total && epoch < 100_000) sum += StepsIn(++epoch);
        return epoch;
    }
}
