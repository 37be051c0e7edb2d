/// Charts with one line per method (or per run).
module internal EraseAtCore.Plots.LineCharts

open Plotly.NET

let private isRef (referenceName: string | null) (name: string) =
    match referenceName with
    | null -> false
    | r -> name = r

let private byStage (stages: string[]) (series: SeriesDto[]) referenceName =
    series
    |> Seq.map (fun s -> Style.lineWithErrors stages s.Name s.Values s.Errors (isRef referenceName s.Name))
    |> Chart.combine
    |> Chart.withXAxis (Style.axis "stage" None None)

/// Layer-wise CKA of each method's features to the Original's.
let ckaByLayer stages series referenceName title =
    byStage stages series referenceName
    |> Chart.withYAxis (Style.axis "linear CKA to the Original" (Some(-0.02, 1.02)) None)
    |> Style.finish (title |> Json.orDefault "Layer-wise CKA to the Original") 440

/// Linear-probe accuracy on the forget classes, stage by stage.
let probeByStage stages series referenceName title =
    byStage stages series referenceName
    |> Chart.withYAxis (Style.axis "probe accuracy on the forget classes" (Some(-0.02, 1.02)) (Some ".0%"))
    |> Style.finish (title |> Json.orDefault "Linear probe on the forget classes") 440

let private bySteps (series: StepSeriesDto[]) referenceName =
    series
    |> Seq.map (fun s -> Style.line s.Steps s.Name s.Values (isRef referenceName s.Name))
    |> Chart.combine

/// Forget accuracy while the unlearned model is fine-tuned on the forget set again.
let relearningCurves series referenceName title =
    bySteps series referenceName
    |> Chart.withXAxis (Style.axis "fine-tuning step" None None)
    |> Chart.withYAxis (Style.axis "forget accuracy" (Some(-0.02, 1.02)) (Some ".0%"))
    |> Style.finish (title |> Json.orDefault "Relearning: forget accuracy while fine-tuning") 440

/// Training curves (loss, accuracy, ...) against the step.
let lossCurves series yTitle title =
    bySteps series null
    |> Chart.withXAxis (Style.axis "step" None None)
    |> Chart.withYAxis (Style.axis (yTitle |> Json.orDefault "loss") None None)
    |> Style.finish (title |> Json.orDefault "Training curves") 400
