using System.Text.Json.Serialization;

namespace EraseAtCore.Experiments;

/// <summary>One model a sweep task produces.</summary>
/// <param name="Experiment">Index into <see cref="SweepPlan.Experiments"/>.</param>
/// <param name="Name">Model name.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Cost">Estimated cost (<see cref="MethodCatalog.Cost"/>; a Retrain is 6).</param>
public sealed record SweepCell(
    [property: JsonPropertyName("experiment")] int Experiment,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("cost")] double Cost)
{
    /// <summary>The cell within its experiment's grid.</summary>
    [JsonIgnore] public GridCell Grid => new(Name, Seed);
}
