using System.Net;

namespace EraseAtCore.Plots;

/// <summary>An HTML fragment from <see cref="Charts"/>: a chart (a div and the script that draws it),
/// a table, or plotly.js itself (<see cref="Charts.PlotlyScript"/>). In a .NET Interactive notebook, a
/// cell whose value is a <see cref="ChartHtml"/> (or <c>display(chart)</c>) shows it as HTML, and the
/// first chart of a kernel session brings plotly.js with it, so charts draw without a network.</summary>
/// <param name="Html">The fragment. A chart's script draws with the page's <c>window.Plotly</c> and
/// loads nothing itself; shown some other way than through the notebook formatter (e.g.
/// <c>display(HTML(chart.Html))</c>), it needs <see cref="Charts.PlotlyScript"/> displayed once first.</param>
[TypeFormatterSource(typeof(ChartHtmlFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed record ChartHtml(string Html)
{
    /// <summary>What the fragment is, so that a notebook gets plotly.js before its first chart.</summary>
    internal FragmentKind Kind { get; init; } = FragmentKind.Other;

    /// <summary>Wraps HTML of your own (escaped by you) for a <see cref="PageSection"/>.</summary>
    public static ChartHtml FromHtml(string html) => new(html ?? throw new ArgumentNullException(nameof(html)));

    /// <summary>Wraps plain text as an HTML paragraph.</summary>
    public static ChartHtml FromText(string text) => new($"<p>{WebUtility.HtmlEncode(text)}</p>");

    /// <summary>The fragment's HTML, so that string interpolation works.</summary>
    public override string ToString() => Html;
}

/// <summary>Kinds of <see cref="ChartHtml"/> the notebook formatter tells apart.</summary>
enum FragmentKind
{
    /// <summary>Tables, text, user HTML: nothing to load.</summary>
    Other,

    /// <summary>A Plotly chart: needs window.Plotly.</summary>
    Chart,

    /// <summary>plotly.js itself.</summary>
    PlotlyScript,
}
