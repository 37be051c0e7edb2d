using System.Text.Json;
using System.Text.Json.Serialization;

namespace EraseAtCore.Plots;

// The JSON contract with lib/EraseAtCore.Plots/Requests.fs (the renderer in its own load context).
// Only plain data crosses: the renderer's types live in a context this assembly does not see.

sealed record RenderRequest(string Chart)
{
    public string? Title { get; init; }
    public IReadOnlyList<string>? Stages { get; init; }
    public IReadOnlyList<Series>? Series { get; init; }
    public IReadOnlyList<StepSeries>? StepSeries { get; init; }
    public string? ReferenceName { get; init; }
    public IReadOnlyList<string>? Names { get; init; }
    public IReadOnlyList<double>? Ua { get; init; }
    public IReadOnlyList<double>? Ra { get; init; }
    public IReadOnlyList<double>? Ta { get; init; }
    public IReadOnlyList<ProjectionPanel>? Panels { get; init; }
    public string? YTitle { get; init; }
    public IReadOnlyList<RenderSection>? Sections { get; init; }
}

sealed record RenderSection(string Heading, string Html, string? Prose);

sealed record RenderResponse(string? Html, string? Error);

static class RendererJson
{
    // NaN (a gap in a series) is not JSON; both sides agree to write it as the literal "NaN".
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
