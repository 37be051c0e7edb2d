module internal EraseAtCore.Plots.ProjectionChart

open System.Collections.Generic
open Plotly.NET
open Plotly.NET.TraceObjects

/// Side-by-side 2-D scatters (e.g. PCA of last-stage features), one trace per class so the legend
/// toggles a class in every panel at once; forget classes drawn larger, outlined and on top.
let build (panels: PanelDto[]) title =
    let inLegend = HashSet<int>()
    let panel (p: PanelDto) =
        let forget = set p.HighlightClasses
        [ for c in [ 0 .. p.ClassNames.Length - 1 ] |> List.sortBy forget.Contains do
              let points = [| for i in 0 .. p.Labels.Length - 1 do if p.Labels[i] = c then i |]
              if points.Length > 0 then
                  let highlighted = forget.Contains c
                  let colour = Color.fromString Style.palette[c % Style.palette.Length]
                  let marker =
                      if highlighted then
                          Marker.init (Size = 9, Color = colour, Opacity = 0.95,
                                       Outline = Line.init (Color = Style.reference, Width = 1.2))
                      else
                          Marker.init (Size = 5, Color = colour, Opacity = 0.55)
                  Chart.Point(
                      x = (points |> Array.map (fun i -> p.X[i])),
                      y = (points |> Array.map (fun i -> p.Y[i])),
                      Name = (if highlighted then p.ClassNames[c] + " (forget)" else p.ClassNames[c]),
                      ShowLegend = inLegend.Add c,
                      Marker = marker,
                      UseDefaults = false
                  )
                  |> Chart.withTraceInfo (LegendGroup = string c, LegendRank = c) ]
        |> Chart.combine
        |> Chart.withXAxisStyle (TitleText = "PC 1", ZeroLine = false)
        |> Chart.withYAxisStyle (TitleText = "PC 2", ZeroLine = false)
    let cols = min panels.Length 4
    let rows = (panels.Length + cols - 1) / cols
    panels
    |> Array.map panel
    |> Chart.Grid(rows, cols, SubPlotTitles = (panels |> Array.map (fun p -> p.Title)), XGap = 0.12, YGap = 0.18)
    |> Style.finish (title |> Json.orDefault "Last-stage features (PCA)") (80 + 400 * rows)
