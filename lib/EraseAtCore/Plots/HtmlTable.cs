using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace EraseAtCore.Plots;

/// <summary>Tables need no Plotly, so they are built here without loading the renderer.</summary>
static partial class HtmlTable
{
    /// <summary>
    /// Each table carries its own small style sheet, scoped to its class, so it looks the same in a
    /// notebook (where nothing else styles it, and outputs are shown in any order) and in the report.
    /// Colours derive from the text colour (<c>currentColor</c>), so VS Code's and Jupyter's light and
    /// dark themes both stay readable; numbers are right-aligned in tabular figures.
    /// </summary>
    internal const string Style =
        "<style>" +
        ".eraseatcore-table{border-collapse:collapse;margin:.5rem 0;font-size:13px;font-variant-numeric:tabular-nums;color:inherit}" +
        ".eraseatcore-table th,.eraseatcore-table td{border:1px solid color-mix(in srgb,currentColor 22%,transparent);padding:.25rem .65rem;text-align:left;vertical-align:top}" +
        ".eraseatcore-table th{background:color-mix(in srgb,currentColor 7%,transparent);font-weight:600}" +
        ".eraseatcore-table tbody tr:nth-child(even){background:color-mix(in srgb,currentColor 3%,transparent)}" +
        ".eraseatcore-table td.num,.eraseatcore-table th.num{text-align:right;white-space:nowrap}" +
        "</style>";

    public static string Render(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        // A column is numeric when every non-empty cell is a number (with an optional unit such as %
        // or s, or a ± spread); its header is right-aligned with it.
        var numeric = Enumerable.Range(0, headers.Count)
            .Select(c => rows.Any(r => !IsBlank(r[c])) && rows.All(r => IsBlank(r[c]) || IsNumber(r[c])))
            .ToArray();
        var html = new StringBuilder(Style).Append("\n<table class=\"eraseatcore-table\">\n<thead><tr>");
        for (var c = 0; c < headers.Count; c++)
            html.Append(numeric[c] ? "<th class=\"num\">" : "<th>").Append(WebUtility.HtmlEncode(headers[c] ?? "")).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            for (var c = 0; c < row.Count; c++)
                html.Append(numeric[c] ? "<td class=\"num\">" : "<td>").Append(WebUtility.HtmlEncode(row[c] ?? "")).Append("</td>");
            html.Append("</tr>\n");
        }
        return html.Append("</tbody>\n</table>").ToString();
    }

    static bool IsBlank(string? cell) => string.IsNullOrWhiteSpace(cell) || cell.Trim() is "-" or "–" or "n/a";

    static bool IsNumber(string? cell) => cell is not null && Number().IsMatch(cell.Trim());

    // 12, -0.5, 1,234.5, 3e-4, 88.0 %, 12 s, 1.2x, 0.91 ± 0.02, NaN
    [GeneratedRegex(@"^([-+−]?(\d[\d,]*(\.\d+)?|\.\d+)([eE][-+]?\d+)?|NaN)\s*(%|s|ms|x|×|MB|MiB|GB)?(\s*±\s*[\d.]+\s*(%|s)?)?$")]
    private static partial Regex Number();
}
