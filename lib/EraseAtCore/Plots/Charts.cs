namespace EraseAtCore.Plots;

/// <summary>
/// The kit's charts, as HTML: for notebooks (<see cref="ChartHtml"/>), and for one standalone,
/// offline report (<see cref="Page"/>). Nothing they produce loads anything from the network. Takes
/// plain arrays, so it works on saved results as well as live ones.
/// </summary>
/// <remarks>
/// Rendering happens in lib/EraseAtCore.Plots (Plotly.NET), loaded into an isolated load context on
/// first use (see <see cref="RendererHost"/> for why): this assembly references neither Plotly.NET nor
/// FSharp.Core, so <c>#r "EraseAtCore.dll"</c> works in a notebook kernel that has its own FSharp.Core.
/// Every method checks its input and throws <see cref="ArgumentException"/> naming the series and
/// position at fault; NaN is allowed in values and leaves a gap.
/// </remarks>
/// <example>In a notebook (a cell whose value is a <see cref="ChartHtml"/> shows as the chart):
/// <code>
/// #r "lib/EraseAtCore/bin/Release/net10.0/EraseAtCore.dll"
/// using EraseAtCore.Plots;
/// Charts.CkaByLayer(["stage1", "stage2"], [new Series("Retrain", [0.98, 0.41]), new Series("SalUn", [0.99, 0.63])], "Retrain")
/// </code>
/// For an offline report: <c>File.WriteAllText("report.html", Charts.Page("Run 3", [new PageSection("CKA", cka)]))</c>.
/// </example>
public static class Charts
{
    /// <summary>Layer-wise CKA to the Original, one line per method across the network's stages.</summary>
    /// <param name="stages">The x axis: stage names, in network order.</param>
    /// <param name="series">One series per method, one CKA value per stage.</param>
    /// <param name="referenceName">The series drawn black and dashed (usually "Retrain"); null for none.</param>
    /// <param name="title">Chart title; a default when null.</param>
    public static ChartHtml CkaByLayer(IReadOnlyList<string> stages, IReadOnlyList<Series> series,
        string? referenceName = null, string? title = null)
    {
        ChartInputChecks.NotEmpty(stages, "The stage list", nameof(stages));
        ChartInputChecks.Series(series, stages.Count, nameof(series));
        ChartInputChecks.Reference(referenceName, series.Select(s => s.Name), nameof(referenceName));
        return Render(new RenderRequest("ckaByLayer") { Stages = stages, Series = series, ReferenceName = referenceName, Title = title });
    }

    /// <summary>Linear-probe accuracy on the forget classes at each stage, one line per method.</summary>
    /// <param name="stages">The x axis: stage names, in network order.</param>
    /// <param name="series">One series per method: accuracy fractions in [0, 1], one per stage.</param>
    /// <param name="referenceName">The series drawn black and dashed (usually "Retrain"); null for none.</param>
    /// <param name="title">Chart title; a default when null.</param>
    public static ChartHtml ProbeByStage(IReadOnlyList<string> stages, IReadOnlyList<Series> series,
        string? referenceName = null, string? title = null)
    {
        ChartInputChecks.NotEmpty(stages, "The stage list", nameof(stages));
        ChartInputChecks.Series(series, stages.Count, nameof(series));
        foreach (var s in series) ChartInputChecks.Fractions(s.Values, $"Series '{s.Name}'", nameof(series));
        ChartInputChecks.Reference(referenceName, series.Select(s => s.Name), nameof(referenceName));
        return Render(new RenderRequest("probeByStage") { Stages = stages, Series = series, ReferenceName = referenceName, Title = title });
    }

    /// <summary>UA, RA and TA as grouped bars per method, labelled in percent.</summary>
    /// <param name="names">Method names, one group of bars each.</param>
    /// <param name="ua">Unlearning accuracy per method, a fraction in [0, 1].</param>
    /// <param name="ra">Remaining accuracy per method, a fraction in [0, 1].</param>
    /// <param name="ta">Test accuracy per method, a fraction in [0, 1].</param>
    /// <param name="title">Chart title; a default when null.</param>
    public static ChartHtml AccuracyBars(IReadOnlyList<string> names, IReadOnlyList<double> ua,
        IReadOnlyList<double> ra, IReadOnlyList<double> ta, string? title = null)
    {
        ChartInputChecks.NotEmpty(names, "The method list", nameof(names));
        for (var i = 0; i < names.Count; i++) ChartInputChecks.Named(names[i], $"Method {i}", nameof(names));
        ChartInputChecks.SameLength(ua, names.Count, "UA", "methods", nameof(ua));
        ChartInputChecks.SameLength(ra, names.Count, "RA", "methods", nameof(ra));
        ChartInputChecks.SameLength(ta, names.Count, "TA", "methods", nameof(ta));
        ChartInputChecks.Fractions(ua, "UA", nameof(ua));
        ChartInputChecks.Fractions(ra, "RA", nameof(ra));
        ChartInputChecks.Fractions(ta, "TA", nameof(ta));
        return Render(new RenderRequest("accuracyBars") { Names = names, Ua = ua, Ra = ra, Ta = ta, Title = title });
    }

    /// <summary>Forget accuracy against fine-tuning step (the relearning test), one line per method.</summary>
    /// <param name="series">One series per method: steps and forget accuracy fractions in [0, 1].</param>
    /// <param name="referenceName">The series drawn black and dashed (usually "Retrain"); null for none.</param>
    /// <param name="title">Chart title; a default when null.</param>
    public static ChartHtml RelearningCurves(IReadOnlyList<StepSeries> series, string? referenceName = null, string? title = null)
    {
        ChartInputChecks.StepSeries(series, nameof(series));
        foreach (var s in series) ChartInputChecks.Fractions(s.Values, $"Series '{s.Name}'", nameof(series));
        ChartInputChecks.Reference(referenceName, series.Select(s => s.Name), nameof(referenceName));
        return Render(new RenderRequest("relearningCurves") { StepSeries = series, ReferenceName = referenceName, Title = title });
    }

    /// <summary>Side-by-side 2-D scatters coloured by class, forget classes larger and outlined.</summary>
    /// <param name="panels">One panel per model; up to four per row.</param>
    /// <param name="title">Chart title; a default when null.</param>
    public static ChartHtml Projection(IReadOnlyList<ProjectionPanel> panels, string? title = null)
    {
        ChartInputChecks.NotEmpty(panels, "The panel list", nameof(panels));
        for (var i = 0; i < panels.Count; i++)
            ChartInputChecks.Panel(panels[i] ?? throw new ArgumentException($"Panel {i} is null.", nameof(panels)), i, nameof(panels));
        return Render(new RenderRequest("projection") { Panels = panels, Title = title });
    }

    /// <summary>Training curves (loss, accuracy, ...) against the step, one line per run.</summary>
    /// <param name="series">One series per run or quantity.</param>
    /// <param name="yTitle">The y axis title; "loss" when null.</param>
    /// <param name="title">Chart title; a default when null.</param>
    public static ChartHtml LossCurves(IReadOnlyList<StepSeries> series, string? yTitle = null, string? title = null)
    {
        ChartInputChecks.StepSeries(series, nameof(series));
        return Render(new RenderRequest("lossCurves") { StepSeries = series, YTitle = yTitle, Title = title });
    }

    /// <summary>A plain HTML table (no plotly.js), cells HTML-escaped; first column left-aligned in a page.</summary>
    /// <param name="headers">Column headers.</param>
    /// <param name="rows">Rows of already formatted cells, each as long as <paramref name="headers"/>.</param>
    public static ChartHtml Table(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        ChartInputChecks.NotEmpty(headers, "The header list", nameof(headers));
        ArgumentNullException.ThrowIfNull(rows);
        for (var r = 0; r < rows.Count; r++)
            ChartInputChecks.SameLength(rows[r], headers.Count, $"Row {r}", "headers", nameof(rows));
        return new ChartHtml(HtmlTable.Render(headers, rows));
    }

    /// <summary>A complete HTML document: plotly.js inline once (so it opens offline, from a file),
    /// then each section's heading, prose and chart or table.</summary>
    /// <param name="title">Document title and top heading.</param>
    /// <param name="sections">The sections, in order.</param>
    /// <returns>The document, to write to e.g. report.html.</returns>
    public static string Page(string title, IReadOnlyList<PageSection> sections)
    {
        if (string.IsNullOrWhiteSpace(title)) throw new ArgumentException("The page needs a title.", nameof(title));
        ArgumentNullException.ThrowIfNull(sections);
        var parts = new List<RenderSection>(sections.Count);
        for (var i = 0; i < sections.Count; i++)
        {
            var s = sections[i] ?? throw new ArgumentException($"Section {i} is null.", nameof(sections));
            if (s.Content is null) throw new ArgumentException($"Section {i} ('{s.Heading}') has no content.", nameof(sections));
            parts.Add(new RenderSection(s.Heading ?? "", s.Content.Html, s.Prose));
        }
        return RendererHost.Render(new RenderRequest("page") { Title = title, Sections = parts }).Html
               ?? throw new InvalidOperationException("The chart renderer returned no page.");
    }

    /// <summary>plotly.js as a notebook output (a script defining <c>window.Plotly</c>, about 3.6 MB),
    /// which every chart draws with. A notebook gets it by itself with its first chart of each kernel
    /// session; display this when charts were shown some other way, or their output with plotly.js was
    /// cleared.</summary>
    public static ChartHtml PlotlyScript => plotlyScript.Value;

    static readonly Lazy<ChartHtml> plotlyScript = new(() =>
        new ChartHtml(RenderHtml(new RenderRequest("plotlyScript"))) { Kind = FragmentKind.PlotlyScript });

    static ChartHtml Render(RenderRequest request) => new(RenderHtml(request)) { Kind = FragmentKind.Chart };

    static string RenderHtml(RenderRequest request) =>
        RendererHost.Render(request).Html
        ?? throw new InvalidOperationException($"The chart renderer returned no HTML for '{request.Chart}'.");
}
