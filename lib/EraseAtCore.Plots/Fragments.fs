/// A chart as an HTML fragment: a div and the script that draws into it with the page's plotly.js.
module internal EraseAtCore.Plots.Fragments

open System
open Plotly.NET

// The fragment never loads plotly.js: a notebook gets it once per kernel session (plotlyScript,
// delivered by EraseAtCore's formatter or kernel extension) and the report page inlines it once.
// Until window.Plotly exists the script keeps waiting, since a front end may render outputs in any
// order (a reopened notebook scrolled straight to its end); after ten seconds it also says, in the
// chart's place, what is missing, instead of leaving a blank area, and draws once plotly.js arrives.
let private template =
    """<div class="eraseatcore-chart" id="@ID"></div>
<script type="text/javascript">
(function () {
  var figure = @FIGURE;
  var started = Date.now(), told = false;
  function draw() {
    var target = document.getElementById("@ID");
    if (!target) return;
    if (window.Plotly) { if (told) target.textContent = ""; window.Plotly.newPlot(target, figure.data, figure.layout, figure.config); return; }
    if (!told && Date.now() - started > 10000) {
      told = true;
      target.textContent = "This chart needs plotly.js, which EraseAtCore adds to a notebook once per kernel session "
        + "(with the first chart, or with Charts.PlotlyScript). Its output is not shown here yet: scroll to it, run the "
        + "notebook again, or display Charts.PlotlyScript in a cell.";
    }
    setTimeout(draw, told ? 500 : 50);
  }
  draw();
})();
</script>"""

let ofChart (chart: GenericChart) : ChartResponse =
    let id = "eraseatcore-" + Guid.NewGuid().ToString("N")
    // Titles and names are data: "<" only ever occurs inside JSON strings, where \u003c means the same, and then
    // nothing in them can end the script or open an HTML comment in it.
    let figure = (GenericChart.toJson chart).Replace("<", "\\u003c")
    let html =
        template.Replace("@ID", id).Replace("@FIGURE", figure)
    { Html = html; Error = null }

/// plotly.js as a script that defines window.Plotly, also where a page has require.js (Jupyter's
/// classic notebook): the UMD wrapper would otherwise register an AMD module and no global.
let plotlyScript () : ChartResponse =
    let html =
        $"<script type=\"text/javascript\">\n/* plotly.js {Globals.PLOTLYJS_VERSION}, added by EraseAtCore so that charts draw without a network */\nif (typeof window.Plotly === \"undefined\") {{ (function (define, module, exports) {{\n{PlotlyJs.source.Value}\n}}).call(window); }}\n</script>"
    { Html = html; Error = null }
