using System.Text.Json.Serialization;
using EraseAtCore.Data;

namespace EraseAtCore.Experiments;

/// <summary>One experiment of a sweep: a preset and what it forgets, in its own folder under the sweep's root.</summary>
/// <param name="Preset">Preset name.</param>
/// <param name="Forget">The forget request.</param>
/// <param name="Folder">Its folder, relative to the root: preset/label (e.g. quick/class-3).</param>
public sealed record SweepExperiment(
    [property: JsonPropertyName("preset")] string Preset,
    [property: JsonPropertyName("forget")] ForgetRequest Forget,
    [property: JsonPropertyName("folder")] string Folder)
{
    /// <summary>e.g. "quick, class 3".</summary>
    public override string ToString() => $"{Preset}, {Forget}";
}
