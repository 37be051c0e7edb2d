/// Layout shared by every chart, so that a report reads as one document.
module internal EraseAtCore.Plots.Style

open Plotly.NET
open Plotly.NET.LayoutObjects

// Every trace is made with UseDefaults = false: Plotly.NET's default template is a few hundred
// nested objects that it copies and serialises into every chart, 150-600 ms of CPU per chart, and
// its default 600 px width would defeat the responsive layout. plotly.js's own defaults look fine.

let reference = Color.fromString "black"

/// D3's category10: distinct colours, and a class keeps its colour in every panel.
let palette =
    [| "#1f77b4"; "#ff7f0e"; "#2ca02c"; "#d62728"; "#9467bd"
       "#8c564b"; "#e377c2"; "#7f7f7f"; "#bcbd22"; "#17becf" |]

let axis (title: string) (range: (float * float) option) (tickFormat: string option) =
    LinearAxis.init (
        Title = Title.init (Text = title),
        ?Range = (range |> Option.map (fun (lo, hi) -> StyleParam.Range.MinMax(lo :> System.IConvertible, hi :> System.IConvertible))),
        ?TickFormat = tickFormat,
        ZeroLine = false
    )

/// Title, height, margins and a responsive width; the plotly logo off.
let finish (title: string) (height: int) (chart: GenericChart) =
    chart
    |> Chart.withTitle title
    |> Chart.withSize (Height = height)
    |> Chart.withMarginSize (Left = 70, Right = 30, Top = 70, Bottom = 60)
    |> Chart.withConfig (Config.init (Responsive = true, Displaylogo = false))

/// One line per method; the reference method (Retrain) black and dashed, as the kit draws it everywhere.
let line (x: seq<'X>) (name: string) (values: float[]) (isReference: bool) =
    if isReference then
        Chart.Line(
            x = x, y = values, Name = name, ShowMarkers = true,
            LineColor = reference, LineDash = StyleParam.DrawingStyle.Dash, LineWidth = 2.5,
            MarkerColor = reference, UseDefaults = false
        )
    else
        Chart.Line(x = x, y = values, Name = name, ShowMarkers = true, UseDefaults = false)

/// A line with symmetric error bars when errors are given (e.g. the std over seeds).
let lineWithErrors (x: seq<'X>) (name: string) (values: float[]) (errors: float[] | null) (isReference: bool) =
    match errors with
    | null -> line x name values isReference
    | e -> line x name values isReference |> Chart.withYErrorStyle (Array = e, Symmetric = true)
