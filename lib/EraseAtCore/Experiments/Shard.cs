namespace EraseAtCore.Experiments;

/// <summary>
/// Which slice of a grid a run covers. Items are dealt out by estimated cost (<see cref="Balance"/>), not by count, so
/// shards that run side by side finish close together.
/// </summary>
/// <param name="Index">0-based shard index.</param>
/// <param name="Count">Number of shards.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>The whole grid.</summary>
    public static Shard All { get; } = new(0, 1);

    /// <summary>Parses "i/n" with 1 &lt;= i &lt;= n (1-based on the command line).</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int i) || !int.TryParse(parts[1], out int n) || n < 1 || i < 1 || i > n)
            throw new ArgumentException($"--shard '{text}' must be i/n with 1 <= i <= n, e.g. --shard 2/4.");
        return new Shard(i - 1, n);
    }

    /// <summary>
    /// The shard (0-based) of each item: the costliest item first, each to the shard with the least cost so far (the lower
    /// shard on a tie), the longest-processing-time rule. No shard then ends more than one item's cost above the lightest;
    /// the same costs always give the same split.
    /// </summary>
    public static int[] Balance(IReadOnlyList<double> costs, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "At least one shard.");
        var owner = new int[costs.Count];
        var load = new double[count];
        foreach (int item in Enumerable.Range(0, costs.Count).OrderByDescending(i => costs[i]).ThenBy(i => i))
        {
            int lightest = 0;
            for (int s = 1; s < count; s++)
                if (load[s] < load[lightest]) lightest = s;
            owner[item] = lightest;
            load[lightest] += costs[item];
        }
        return owner;
    }

    /// <summary>This shard's items of <paramref name="items"/>, in their order, dealt by <paramref name="cost"/> (see <see cref="Balance"/>).</summary>
    public IReadOnlyList<T> Take<T>(IReadOnlyList<T> items, Func<T, double> cost)
    {
        var owner = Balance(items.Select(cost).ToList(), Count);
        return items.Where((_, i) => owner[i] == Index).ToList();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Index + 1}/{Count}";
}
