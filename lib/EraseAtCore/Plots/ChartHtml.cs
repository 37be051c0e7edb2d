using System.Net;

namespace EraseAtCore.Plots;

/// <summary>An HTML fragment from <see cref="Charts"/>: a chart (a div and the script that draws it)
/// or a table. In a .NET Interactive notebook, a cell whose value is a <see cref="ChartHtml"/> shows it
/// as HTML; elsewhere use <see cref="Html"/> (e.g. <c>display(HTML(chart.Html))</c>).</summary>
/// <param name="Html">The fragment for a notebook: it loads plotly.js itself (with require.js from the
/// plotly CDN, as Plotly.NET.Interactive does) so that each chart stays small.</param>
[TypeFormatterSource(typeof(ChartHtmlFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed record ChartHtml(string Html)
{
    /// <summary>The same fragment for a page that has already loaded plotly.js, with no loader and
    /// no network access; <see cref="Charts.Page"/> uses it.</summary>
    public string EmbeddedHtml { get; init; } = Html;

    /// <summary>Wraps HTML of your own (escaped by you) for a <see cref="PageSection"/>.</summary>
    public static ChartHtml FromHtml(string html) => new(html ?? throw new ArgumentNullException(nameof(html)));

    /// <summary>Wraps plain text as an HTML paragraph.</summary>
    public static ChartHtml FromText(string text) => new($"<p>{WebUtility.HtmlEncode(text)}</p>");

    /// <summary>The notebook HTML, so that string interpolation and <c>display(HTML($"{chart}"))</c> work.</summary>
    public override string ToString() => Html;
}
