using EraseAtCore.Data;

namespace EraseAtCore.Unlearning;

/// <summary>The forget and retain loaders of a run, and endless shuffled streams of each for the set a pass uses but does not drive.</summary>
sealed class LoopLoaders(ForgetSplit split, UnlearnConfig config, UnlearnContext context) : IDisposable
{
    readonly BatchLoader _forget = new(split.Train.Forget, new BatchOptions(config.BatchSize, Shuffle: true, config.Seed, context.Feed.Normalize), context.Feed.Device);
    readonly BatchLoader _retain = new(split.Train.Retain, new BatchOptions(config.BatchSize, Shuffle: true, config.Seed + 1, context.Feed.Normalize), context.Feed.Device);
    IEnumerator<Batch>? _forgetCycle, _retainCycle;

    /// <summary>The loader of <paramref name="set"/>.</summary>
    public BatchLoader Of(EpochDriver set) => set == EpochDriver.Forget ? _forget : _retain;

    /// <summary>The next cycled batch of the set <paramref name="pass"/> uses without driving it, or null when it uses only its driver's.</summary>
    public Batch? PartnerOf(LoopPass pass) =>
        pass.Driver == EpochDriver.Retain && pass.UsesForget ? NextCycled(EpochDriver.Forget)
        : pass.Driver == EpochDriver.Forget && pass.UsesRetain ? NextCycled(EpochDriver.Retain)
        : null;

    Batch NextCycled(EpochDriver set)
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
