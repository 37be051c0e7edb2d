namespace EraseAtCore.Plots;

/// <summary>Input checks with messages that name the offending series and position: a chart drawn
/// from misaligned data looks plausible, so misalignment is refused before rendering.</summary>
static class ChartInputChecks
{
    public static void NotEmpty<T>(IReadOnlyList<T>? list, string what, string param)
    {
        ArgumentNullException.ThrowIfNull(list, param);
        if (list.Count == 0) throw new ArgumentException($"{what} is empty.", param);
    }

    public static void Named(string? name, string what, string param)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException($"{what} has no name.", param);
    }

    public static void SameLength<T>(IReadOnlyList<T>? list, int expected, string what, string against, string param)
    {
        ArgumentNullException.ThrowIfNull(list, param);
        if (list.Count != expected)
            throw new ArgumentException(
                $"{what} has {list.Count} value{(list.Count == 1 ? "" : "s")} but there are {expected} {against}.", param);
    }

    /// <summary>Finite, or NaN for a gap; infinities would be drawn as nothing without saying so.</summary>
    public static void FiniteOrGap(IReadOnlyList<double> values, string what, string param)
    {
        for (var i = 0; i < values.Count; i++)
            if (double.IsInfinity(values[i]))
                throw new ArgumentException($"{what}: value {i} is infinite; use NaN to leave a gap.", param);
    }

    public static void Finite(IReadOnlyList<double> values, string what, string param)
    {
        for (var i = 0; i < values.Count; i++)
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{what}: value {i} is {values[i]}; steps must be finite.", param);
    }

    /// <summary>Accuracies are fractions in [0, 1] (NaN for a gap); a 95 here almost surely meant 0.95.</summary>
    public static void Fractions(IReadOnlyList<double> values, string what, string param)
    {
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            if (double.IsNaN(v)) continue;
            if (!(v >= 0 && v <= 1))
                throw new ArgumentException(
                    $"{what}: value {i} is {v}; accuracies are fractions in [0, 1] (pass 0.95, not 95), or NaN for a gap.", param);
        }
    }

    public static void Series(IReadOnlyList<Series> series, int stageCount, string param)
    {
        NotEmpty(series, "The series list", param);
        for (var s = 0; s < series.Count; s++)
        {
            var one = series[s] ?? throw new ArgumentException($"Series {s} is null.", param);
            Named(one.Name, $"Series {s}", param);
            SameLength(one.Values, stageCount, $"Series '{one.Name}'", "stages", param);
            FiniteOrGap(one.Values, $"Series '{one.Name}'", param);
            if (one.Errors is { } e)
            {
                SameLength(e, stageCount, $"Series '{one.Name}' errors", "stages", param);
                for (int i = 0; i < e.Count; i++)
                    if (e[i] < 0 || double.IsInfinity(e[i]))
                        throw new ArgumentException($"Series '{one.Name}': error {i} is {e[i]}; error bars are half-lengths, 0 or more (NaN for none).", param);
            }
        }
    }

    public static void StepSeries(IReadOnlyList<StepSeries> series, string param)
    {
        NotEmpty(series, "The series list", param);
        for (var s = 0; s < series.Count; s++)
        {
            var one = series[s] ?? throw new ArgumentException($"Series {s} is null.", param);
            Named(one.Name, $"Series {s}", param);
            NotEmpty(one.Steps, $"The steps of series '{one.Name}'", param);
            SameLength(one.Values, one.Steps.Count, $"Series '{one.Name}'", "steps", param);
            Finite(one.Steps, $"The steps of series '{one.Name}'", param);
            FiniteOrGap(one.Values, $"Series '{one.Name}'", param);
        }
    }

    /// <summary>A reference name that matches no series is a typo, not a request for no reference.</summary>
    public static void Reference(string? referenceName, IEnumerable<string> names, string param)
    {
        if (referenceName is null || names.Contains(referenceName)) return;
        throw new ArgumentException(
            $"The reference series '{referenceName}' is not among the series ({string.Join(", ", names)}); pass null for no reference.",
            param);
    }

    public static void Panel(ProjectionPanel panel, int index, string param)
    {
        var what = $"Panel {index} ('{panel.Title}')";
        NotEmpty(panel.X, $"{what}: X", param);
        SameLength(panel.Y, panel.X.Count, $"{what}: Y", "X values", param);
        SameLength(panel.Labels, panel.X.Count, $"{what}: Labels", "X values", param);
        FiniteOrGap(panel.X, $"{what}: X", param);
        FiniteOrGap(panel.Y, $"{what}: Y", param);
        NotEmpty(panel.ClassNames, $"{what}: ClassNames", param);
        ArgumentNullException.ThrowIfNull(panel.HighlightClasses, param);
        var classes = panel.ClassNames.Count;
        for (var i = 0; i < panel.Labels.Count; i++)
            if (panel.Labels[i] < 0 || panel.Labels[i] >= classes)
                throw new ArgumentException($"{what}: label {i} is {panel.Labels[i]}, outside the {classes} class names.", param);
        foreach (var c in panel.HighlightClasses)
            if (c < 0 || c >= classes)
                throw new ArgumentException($"{what}: highlighted class {c} is outside the {classes} class names.", param);
    }
}
