using System.Net;
using System.Text;

namespace EraseAtCore.Plots;

/// <summary>Tables need no Plotly, so they are built here without loading the renderer.</summary>
static class HtmlTable
{
    public static string Render(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var html = new StringBuilder("<table class=\"eraseatcore-table\">\n<thead><tr>");
        foreach (var h in headers) html.Append("<th>").Append(WebUtility.HtmlEncode(h ?? "")).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            foreach (var cell in row) html.Append("<td>").Append(WebUtility.HtmlEncode(cell ?? "")).Append("</td>");
            html.Append("</tr>\n");
        }
        return html.Append("</tbody>\n</table>").ToString();
    }
}
