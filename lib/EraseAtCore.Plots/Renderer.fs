namespace EraseAtCore.Plots

open System
open System.Text.Json

/// The one entry point EraseAtCore calls, by reflection, from an isolated load context. Strings in
/// and out, so that no type crosses the boundary: a Plotly.NET or FSharp.Core type handed back
/// would be one the caller's own context cannot name (or names as a different FSharp.Core's).
[<AbstractClass; Sealed>]
type Renderer =
    /// Renders the chart or page that requestJson describes. Returns {"html"} or
    /// {"error"}: exceptions come back as text, not as a TargetInvocationException wrapping a type
    /// the caller cannot load.
    static member Render(requestJson: string) : string =
        let response =
            try
                let r =
                    match JsonSerializer.Deserialize<ChartRequest>(requestJson, Json.options) with
                    | null -> invalidArg "requestJson" "The chart request is empty."
                    | r -> r
                match r.Chart with
                | "page" ->
                    { Html = PageDocument.build (r.Title |> Json.orDefault "Report") r.Sections
                      Error = null }
                | "plotlyScript" -> Fragments.plotlyScript ()
                | "ckaByLayer" -> Fragments.ofChart (LineCharts.ckaByLayer r.Stages r.Series r.ReferenceName r.Title)
                | "probeByStage" -> Fragments.ofChart (LineCharts.probeByStage r.Stages r.Series r.ReferenceName r.Title)
                | "relearningCurves" -> Fragments.ofChart (LineCharts.relearningCurves r.StepSeries r.ReferenceName r.Title)
                | "lossCurves" -> Fragments.ofChart (LineCharts.lossCurves r.StepSeries r.YTitle r.Title)
                | "accuracyBars" -> Fragments.ofChart (BarCharts.accuracyBars r.Names r.Ua r.Ra r.Ta r.Title)
                | "projection" -> Fragments.ofChart (ProjectionChart.build r.Panels r.Title)
                | other -> invalidArg "requestJson" $"Unknown chart kind '{other}'."
            with e ->
                { Html = null; Error = $"{e.GetType().Name}: {e.Message}" }
        JsonSerializer.Serialize(response, Json.options)
