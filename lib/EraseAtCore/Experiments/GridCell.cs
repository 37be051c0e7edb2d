using System.Text.Json.Serialization;

namespace EraseAtCore.Experiments;

/// <summary>One model of an experiment's grid: a model name (a method, a variant, or "original") at one seed.</summary>
/// <param name="Name">The model's name as results use it.</param>
/// <param name="Seed">Its seed.</param>
public sealed record GridCell(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("seed")] int Seed)
{
    /// <summary>The grid of <paramref name="names"/> at every seed, seed by seed (the run order).</summary>
    public static IReadOnlyList<GridCell> Every(IReadOnlyList<int> seeds, IReadOnlyList<string> names) =>
        seeds.SelectMany(seed => names.Select(name => new GridCell(name, seed))).ToList();

    /// <summary>e.g. "ga (seed 1)".</summary>
    public override string ToString() => $"{Name} (seed {Seed})";
}
