using System.Text.Json.Serialization;

namespace EraseAtCore.Experiments;

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
