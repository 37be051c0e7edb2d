using System.Text.RegularExpressions;
using EraseAtCore.Plots;

namespace EraseAtCore.Tests.Plots;

/// <summary>The report page: one standalone document that opens offline.</summary>
public sealed class PageTests
{
    static readonly Lazy<(string Page, ChartHtml Cka, ChartHtml Bars)> Rendered = new(() =>
    {
        var cka = Charts.CkaByLayer(["s1", "s2"], [new Series("Retrain", [0.9, 0.4]), new Series("FT", [0.95, 0.8])], "Retrain");
        var bars = Charts.AccuracyBars(["Retrain", "FT"], [0.9, 0.3], [0.97, 0.98], [0.9, 0.91]);
        var table = Charts.Table(["method", "UA"], [["Retrain", "90%"]]);
        var page = Charts.Page("Run <1> report", [
            new PageSection("Accuracy & more", bars, "First paragraph.\n\nSecond <paragraph>."),
            new PageSection("CKA", cka),
            new PageSection("Table", table),
        ]);
        return (page, cka, bars);
    });

    [Fact]
    public void Page_embeds_plotly_js_exactly_once_and_fetches_nothing()
    {
        var page = Rendered.Value.Page;

        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Equal(1, Regex.Count(page, @"\* plotly\.js v\d+\.\d+\.\d+"));   // the bundle's licence header
        Assert.InRange(page.Length, 3_000_000, 5_000_000);                      // ~3.6 MB: one copy, not two
        Assert.Empty(Regex.Matches(page, @"<script[^>]*\ssrc\s*=", RegexOptions.IgnoreCase));
        var outsidePlotly = WithoutPlotlyBundle(page);
        Assert.DoesNotContain("cdn.plot.ly", outsidePlotly);
        Assert.DoesNotContain("require", outsidePlotly);
        Assert.DoesNotContain("https://", outsidePlotly);
    }

    [Fact]
    public void Page_contains_every_section_in_order_after_plotly_js()
    {
        var (page, cka, bars) = Rendered.Value;

        Assert.Equal(2, ChartsTests.Count(WithoutPlotlyBundle(page), "Plotly.newPlot("));
        Assert.Contains(cka.Html, page);
        Assert.Contains(bars.Html, page);
        var plotlyEnd = page.IndexOf("</script>", page.IndexOf("* plotly.js v", StringComparison.Ordinal), StringComparison.Ordinal);
        var accuracy = page.IndexOf("<h2>Accuracy &amp; more</h2>", StringComparison.Ordinal);
        var ckaHeading = page.IndexOf("<h2>CKA</h2>", StringComparison.Ordinal);
        var table = page.IndexOf("<td>Retrain</td>", StringComparison.Ordinal);
        Assert.True(plotlyEnd < accuracy && accuracy < ckaHeading && ckaHeading < table, "sections out of order");
        Assert.Contains("<title>Run &lt;1&gt; report</title>", page);
        Assert.Contains("<p>First paragraph.</p>", page);
        Assert.Contains("<p>Second &lt;paragraph&gt;.</p>", page);
    }

    static string WithoutPlotlyBundle(string page)
    {
        var header = page.IndexOf("* plotly.js v", StringComparison.Ordinal);
        var open = page.LastIndexOf("<script", header, StringComparison.Ordinal);
        var close = page.IndexOf("</script>", header, StringComparison.Ordinal);
        return page[..open] + page[close..];
    }
}
