module internal EraseAtCore.Plots.BarCharts

open Plotly.NET

let private percent (v: float) =
    if System.Double.IsNaN v then "n/a" else (100.0 * v).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%"

/// UA, RA and TA side by side for each method; fractions drawn and labelled as percentages.
let accuracyBars (names: string[]) (ua: float[]) (ra: float[]) (ta: float[]) title =
    let bars label (values: float[]) colour =
        Chart.Column(
            values = values, Keys = names, Name = label,
            MultiText = (values |> Array.map percent), TextPosition = StyleParam.TextPosition.Outside,
            MarkerColor = Color.fromString colour, UseDefaults = false
        )
    [ bars "UA (unlearning acc.)" ua Style.palette[3]
      bars "RA (remaining acc.)" ra Style.palette[0]
      bars "TA (test acc.)" ta Style.palette[2] ]
    |> Chart.combine
    |> Chart.withLayoutStyle (BarMode = StyleParam.BarMode.Group)
    |> Chart.withXAxis (Style.axis "method" None None)
    |> Chart.withYAxis (Style.axis "accuracy" (Some(0.0, 1.12)) (Some ".0%"))
    |> Style.finish (title |> Json.orDefault "Accuracy after unlearning") 440
