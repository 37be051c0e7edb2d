/// The two HTML forms of a chart; both are a div plus the script that draws into it.
module internal EraseAtCore.Plots.Fragments

open Plotly.NET

/// Where notebook fragments load plotly.js from: the version this Plotly.NET was built for.
let notebookPlotlySource = $"https://cdn.plot.ly/plotly-{Globals.PLOTLYJS_VERSION}.min"

// What Plotly.NET.Interactive shows in a notebook: require.js fetches plotly.js once per notebook,
// so an executed .ipynb stays small instead of carrying 3.6 MB of plotly.js per chart. The price is
// that a notebook needs the network to draw; offline reading is what the report page is for.
let private notebook chart =
    chart
    |> Chart.withDisplayOptionsStyle (PlotlyJSReference = PlotlyJSReference.Require notebookPlotlySource)
    |> GenericChart.toChartHTML

// A bare Plotly.newPlot call, for a page that has loaded plotly.js itself (PageDocument).
let private embedded chart =
    chart
    |> Chart.withDisplayOptionsStyle (PlotlyJSReference = PlotlyJSReference.NoReference)
    |> GenericChart.toChartHTML

let ofChart (chart: GenericChart) : ChartResponse =
    { Html = notebook chart; EmbeddedHtml = embedded chart; Error = null }
