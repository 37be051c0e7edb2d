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

/// <summary>One array task of a sweep: its 1-based index (the Slurm array task id) and the models it produces.</summary>
/// <param name="Index">1-based index.</param>
/// <param name="Cells">Its models, in run order.</param>
public sealed record SweepTask(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("cells")] IReadOnlyList<SweepCell> Cells)
{
    /// <summary>Estimated cost: the sum of its models'.</summary>
    [JsonIgnore] public double Cost => Cells.Sum(c => c.Cost);
}
