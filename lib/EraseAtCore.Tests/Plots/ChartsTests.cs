using EraseAtCore.Plots;

namespace EraseAtCore.Tests.Plots;

/// <summary>Every chart really rendered (Plotly.NET in its isolated load context): the HTML draws with
/// Plotly.newPlot and carries the series' names and values.</summary>
public sealed class ChartsTests
{
    static readonly string[] Stages = ["stage1", "stage2", "stage3", "stage4"];

    static Series S(string name, params double[] values) => new(name, values);

    [Fact]
    public void CkaByLayer_draws_every_series_with_its_values_and_the_reference_dashed_black()
    {
        var chart = Charts.CkaByLayer(Stages,
            [S("Retrain", 0.99, 0.95, 0.81, 0.42), S("SalUn", 0.99, 0.97, double.NaN, 0.66)], referenceName: "Retrain");

        Assert.Contains("Plotly.newPlot", chart.Html);
        Assert.Contains("\"x\":[\"stage1\",\"stage2\",\"stage3\",\"stage4\"]", chart.Html);
        Assert.Contains("\"name\":\"Retrain\",\"mode\":\"lines+markers\",\"x\":[\"stage1\",\"stage2\",\"stage3\",\"stage4\"],\"y\":[0.99,0.95,0.81,0.42]", chart.Html);
        Assert.Contains("\"y\":[0.99,0.97,\"NaN\",0.66]", chart.Html); // NaN: a gap in the line
        Assert.Contains("\"line\":{\"color\":\"black\",\"width\":2.5,\"dash\":\"dash\"}", chart.Html);
        Assert.Equal(1, Count(chart.Html, "\"dash\":\"dash\""));
        Assert.Contains("\"range\":[-0.02,1.02]", chart.Html);
    }

    [Fact]
    public void Series_with_errors_get_symmetric_error_bars_and_series_without_none()
    {
        var chart = Charts.CkaByLayer(Stages, [new Series("EC", [0.9, 0.8, 0.7, 0.6], [0.01, 0.02, 0.03, 0.04]), S("RL", 0.99, 0.98, 0.97, 0.9)]);
        Assert.Contains("\"error_y\":{", chart.Html);
        Assert.Contains("\"array\":[0.01,0.02,0.03,0.04]", chart.Html);
        Assert.Equal(1, Count(chart.Html, "\"error_y\""));
    }

    [Fact]
    public void ProbeByStage_draws_accuracy_per_stage_as_percent()
    {
        var chart = Charts.ProbeByStage(Stages, [S("Original", 0.6, 0.8, 0.95, 0.99), S("Retrain", 0.55, 0.7, 0.8, 0.1)]);

        Assert.Contains("Plotly.newPlot", chart.Html);
        Assert.Contains("\"name\":\"Original\"", chart.Html);
        Assert.Contains("\"y\":[0.55,0.7,0.8,0.1]", chart.Html);
        Assert.Contains("\"tickformat\":\".0%\"", chart.Html);
        Assert.DoesNotContain("\"dash\"", chart.Html); // no reference asked for
    }

    [Fact]
    public void AccuracyBars_groups_UA_RA_TA_per_method_labelled_in_percent()
    {
        var chart = Charts.AccuracyBars(["Retrain", "SalUn"], [0.92, 0.885], [0.97, 0.96], [0.9, double.NaN]);

        Assert.Contains("Plotly.newPlot", chart.Html);
        Assert.Equal(3, Count(chart.Html, "\"type\":\"bar\""));
        Assert.Contains("\"barmode\":\"group\"", chart.Html);
        Assert.Contains("\"x\":[\"Retrain\",\"SalUn\"]", chart.Html);
        Assert.Contains("\"y\":[0.92,0.885]", chart.Html);
        Assert.Contains("\"text\":[\"92.0%\",\"88.5%\"]", chart.Html);
        Assert.Contains("\"text\":[\"90.0%\",\"n/a\"]", chart.Html);
        Assert.Contains("UA (unlearning acc.)", chart.Html);
    }

    [Fact]
    public void RelearningCurves_draw_forget_accuracy_against_the_step_with_the_reference_dashed()
    {
        var chart = Charts.RelearningCurves(
            [new StepSeries("Retrain", [0, 10, 20], [0.0, 0.3, 0.55]), new StepSeries("SalUn", [0, 10, 20], [0.05, 0.6, 0.85])],
            referenceName: "Retrain");

        Assert.Contains("Plotly.newPlot", chart.Html);
        Assert.Contains("\"x\":[0.0,10.0,20.0],\"y\":[0.0,0.3,0.55]", chart.Html);
        Assert.Contains("\"name\":\"SalUn\"", chart.Html);
        Assert.Equal(1, Count(chart.Html, "\"dash\":\"dash\""));
        Assert.Contains("fine-tuning step", chart.Html);
    }

    [Fact]
    public void Projection_draws_a_panel_per_model_one_trace_per_class_and_the_forget_class_highlighted()
    {
        string[] classes = ["T-shirt", "Trouser", "Bag"];
        var panels = new[]
        {
            new ProjectionPanel("Original", [0.0, 1, 2, 3], [0.0, 1, 0, 1], [0, 1, 2, 0], classes, [2]),
            new ProjectionPanel("Retrain", [0.5, 1.5, 2.5, 3.5], [1.0, 0, 1, 0], [0, 1, 2, 0], classes, [2]),
        };
        var chart = Charts.Projection(panels);

        Assert.Contains("Plotly.newPlot", chart.Html);
        Assert.Contains("\"text\":\"Original\"", chart.Html);
        Assert.Contains("\"text\":\"Retrain\"", chart.Html);
        Assert.Equal(6, Count(chart.Html, "\"type\":\"scatter\""));        // 3 classes x 2 panels
        Assert.Equal(2, Count(chart.Html, "\"name\":\"Bag (forget)\""));
        Assert.Equal(2, Count(chart.Html, "\"size\":9"));                   // only the forget class is enlarged
        Assert.Contains("\"x\":[0.0,3.0],\"y\":[0.0,1.0]", chart.Html);     // T-shirt points of the first panel
        Assert.Contains("\"xaxis2\"", chart.Html);                          // side by side
    }

    [Fact]
    public void LossCurves_draw_each_run()
    {
        var chart = Charts.LossCurves([new StepSeries("train", [1, 2, 3], [2.3, 1.1, 0.7]), new StepSeries("val", [1, 2, 3], [2.4, 1.3, 0.9])], yTitle: "cross-entropy");

        Assert.Contains("Plotly.newPlot", chart.Html);
        Assert.Contains("\"y\":[2.3,1.1,0.7]", chart.Html);
        Assert.Contains("\"name\":\"val\"", chart.Html);
        Assert.Contains("cross-entropy", chart.Html);
    }

    [Fact]
    public void A_chart_loads_nothing_itself_and_draws_with_the_pages_plotly()
    {
        var chart = Charts.LossCurves([new StepSeries("train", [1, 2], [2.3, 1.1])]);

        Assert.Contains("window.Plotly.newPlot", chart.Html);
        Assert.DoesNotContain("require", chart.Html);
        Assert.DoesNotContain("http", chart.Html);
        Assert.DoesNotContain(" src=", chart.Html);
        Assert.Equal(chart.Html, chart.ToString());
    }

    [Fact]
    public void A_title_cannot_end_the_charts_script()
    {
        var chart = Charts.LossCurves([new StepSeries("a</script><b>", [1, 2], [2.3, 1.1])], title: "</script>");

        Assert.Equal(1, Count(chart.Html, "</script>"));
    }

    [Fact]
    public void Plotly_script_defines_window_Plotly_even_where_require_js_is_loaded()
    {
        var script = Charts.PlotlyScript.Html;

        Assert.StartsWith("<script", script);
        Assert.Contains("* plotly.js v", script);
        // The UMD wrapper registers an AMD module when it sees define.amd (Jupyter's classic notebook has
        // require.js); shadowed parameters make it set the global instead.
        Assert.Contains("(function (define, module, exports) {", script);
        Assert.Contains("if (typeof window.Plotly === \"undefined\")", script);
        Assert.Equal(1, Count(script, "</script>"));
        Assert.DoesNotContain(" src=", script[..200]);
    }

    [Fact]
    public void A_notebook_gets_plotly_js_once_per_session_before_its_first_chart()
    {
        var session = new NotebookPlotly();
        var table = Charts.Table(["a"], [["1"]]);
        var chart = Charts.LossCurves([new StepSeries("train", [1, 2], [2.3, 1.1])]);

        Assert.Equal("", session.Before(table));
        Assert.Equal(Charts.PlotlyScript.Html, session.Before(chart));
        Assert.Equal("", session.Before(chart));

        var displayedFirst = new NotebookPlotly();
        Assert.Equal("", displayedFirst.Before(Charts.PlotlyScript));
        Assert.Equal("", displayedFirst.Before(chart));
    }

    [Fact]
    public void Table_is_plain_escaped_html()
    {
        var table = Charts.Table(["method", "UA"], [["SalUn <v2>", "88.0%"], ["Retrain", "92.0%"]]);

        Assert.StartsWith("<style>", table.Html);
        Assert.Contains("<table class=\"eraseatcore-table\">", table.Html);
        Assert.Contains("<th>method</th><th class=\"num\">UA</th>", table.Html);
        Assert.Contains("<td>SalUn &lt;v2&gt;</td><td class=\"num\">88.0%</td>", table.Html);
        Assert.DoesNotContain("Plotly", table.Html);
    }

    [Fact]
    public void A_notebook_kernel_finds_the_html_formatter_by_convention()
    {
        // What .NET Interactive does: an attribute named TypeFormatterSourceAttribute, a source with
        // CreateTypeFormatters(), formatters with MimeType and Format(object, TextWriter).
        var chart = Charts.Table(["a"], [["1"]]);
        var attribute = typeof(ChartHtml).GetCustomAttributes(true).Single(a => a.GetType().Name == "TypeFormatterSourceAttribute");
        var sourceType = (Type)attribute.GetType().GetProperty("FormatterSourceType")!.GetValue(attribute)!;
        var source = Activator.CreateInstance(sourceType, nonPublic: true)!;
        var formatter = ((IEnumerable<object>)sourceType.GetMethod("CreateTypeFormatters")!.Invoke(source, null)!).Single();
        var writer = new StringWriter();

        Assert.Equal("text/html", formatter.GetType().GetProperty("MimeType")!.GetValue(formatter));
        Assert.True((bool)formatter.GetType().GetMethod("Format")!.Invoke(formatter, [chart, writer])!);
        Assert.Equal(chart.Html, writer.ToString());
    }

    [Theory]
    [InlineData("0.953", true)]
    [InlineData("88.0 %", true)]
    [InlineData("-1,234.5", true)]
    [InlineData("12 s", true)]
    [InlineData("0.91 ± 0.02", true)]
    [InlineData("3e-4", true)]
    [InlineData("layer3", false)]
    [InlineData("RL+EC", false)]
    [InlineData("50x8x28x28", false)]
    public void Numeric_columns_are_right_aligned_text_columns_are_not(string cell, bool numeric)
    {
        var table = Charts.Table(["name", "value"], [["a", cell], ["b", "-"]]).Html;

        Assert.Equal(numeric, table.Contains("<th class=\"num\">value</th>", StringComparison.Ordinal));
        Assert.Contains("<td>a</td>", table);
    }

    internal static int Count(string text, string value)
    {
        var n = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
