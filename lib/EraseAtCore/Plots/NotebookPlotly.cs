namespace EraseAtCore.Plots;

/// <summary>
/// plotly.js goes into a notebook's outputs once per kernel session (this process), just before the
/// first chart, instead of each chart fetching it from a CDN: charts then draw offline, and an
/// executed .ipynb carries one copy (about 3.6 MB), not one per chart.
/// </summary>
/// <remarks>
/// Notebook front ends (VS Code's, Jupyter's) run every output of a notebook in one page, so a script
/// defining <c>window.Plotly</c> in one output serves the charts of all others. Displaying
/// <see cref="Charts.PlotlyScript"/> (the setup cells and the kernel extension do) counts as the
/// delivery too. A process that never formats for a notebook (the CLI, the report) never pays for it.
/// </remarks>
sealed class NotebookPlotly
{
    int delivered;

    /// <summary>This kernel session's delivery (the notebook formatter's).</summary>
    public static readonly NotebookPlotly Session = new();

    /// <summary>What a notebook output must carry before <paramref name="fragment"/>: plotly.js
    /// before the session's first chart, nothing otherwise.</summary>
    public string Before(ChartHtml fragment)
    {
        switch (fragment.Kind)
        {
            case FragmentKind.PlotlyScript:
                Volatile.Write(ref delivered, 1);
                return "";
            case FragmentKind.Chart when Interlocked.Exchange(ref delivered, 1) == 0:
                return Charts.PlotlyScript.Html;
            default:
                return "";
        }
    }
}
