namespace EraseAtCore.Experiments;

/// <summary>A merge refused because models of the grid have no result; names them.</summary>
public sealed class IncompleteGridException(IReadOnlyList<GridCell> missing) : ArgumentException(Describe(missing))
{
    /// <summary>The models without a result.</summary>
    public IReadOnlyList<GridCell> Missing { get; } = missing;

    static string Describe(IReadOnlyList<GridCell> missing) =>
        $"The grid is incomplete: {missing.Count} model{(missing.Count == 1 ? " has" : "s have")} no result: {string.Join(", ", missing.Take(12))}" +
        $"{(missing.Count > 12 ? $" and {missing.Count - 12} more" : "")}. Rerun the shards that hold them (each reuses its finished models), " +
        "or pass --allow-incomplete to merge what is there.";
}
