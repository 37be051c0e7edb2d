namespace EraseAtCore.Experiments;

/// <summary>A sweep task with models that have no result yet (its results.json lacks them, or it has none).</summary>
/// <param name="Kind">Base task or shard.</param>
/// <param name="Task">The task.</param>
/// <param name="Missing">Its models without a result.</param>
public sealed record UnfinishedTask(SweepTaskKind Kind, SweepTask Task, IReadOnlyList<SweepCell> Missing);
