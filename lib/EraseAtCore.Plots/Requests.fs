namespace EraseAtCore.Plots

open System.Text.Json
open System.Text.Json.Serialization

// The JSON contract with lib/EraseAtCore/Plots/RendererHost.cs. Plain data only: the two sides live
// in different load contexts and share no types. The caller has validated the data; a field the
// chart kind does not use is null.

[<CLIMutable>]
type SeriesDto = { Name: string; Values: float[]; Errors: float[] | null }

[<CLIMutable>]
type StepSeriesDto = { Name: string; Steps: float[]; Values: float[] }

[<CLIMutable>]
type PanelDto =
    { Title: string
      X: float[]
      Y: float[]
      Labels: int[]
      ClassNames: string[]
      HighlightClasses: int[] }

[<CLIMutable>]
type SectionDto = { Heading: string; Html: string; Prose: string | null }

[<CLIMutable>]
type ChartRequest =
    { Chart: string
      Title: string | null
      Stages: string[]
      Series: SeriesDto[]
      StepSeries: StepSeriesDto[]
      ReferenceName: string | null
      Names: string[]
      Ua: float[]
      Ra: float[]
      Ta: float[]
      Panels: PanelDto[]
      YTitle: string | null
      Sections: SectionDto[] }

/// The chart, page or plotly.js script as HTML, or what went wrong.
[<CLIMutable>]
type ChartResponse = { Html: string | null; Error: string | null }

module internal Json =
    // NaN marks a gap in a series; System.Text.Json refuses it unless told otherwise.
    let options =
        JsonSerializerOptions(
            JsonSerializerDefaults.Web,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull
        )

    /// The request's value for an optional text field, or the chart's default.
    let orDefault (fallback: string) (value: string | null) : string =
        match value with
        | null -> fallback
        | v when System.String.IsNullOrWhiteSpace v -> fallback
        | v -> v
