// nbtool: the notebooks' own tooling, as a .NET 10 file-based app (no project, no package):
//
//   dotnet run notebooks/tools/nbtool.cs -- make [--check]
//       Writes notebooks/NN-name.ipynb from notebooks/src/NN-name.dib (the readable source of each notebook),
//       expanding the shared setup cells of notebooks/src/_setup.dib. --check writes nothing and fails when a
//       committed .ipynb differs from what its source gives, or carries outputs.
//   dotnet run notebooks/tools/nbtool.cs -- check EXECUTED.ipynb [--charts N]
//       Checks an executed notebook: no cell failed, no cell was skipped, at least N Plotly charts are in its
//       text/html outputs, and no output loads a script from the network (a <script src>, a require.js path, a
//       CDN address): offline, such a chart would be a blank area. Prints the time of each cell that took a second
//       or more.
//   dotnet run notebooks/tools/nbtool.cs -- html EXECUTED.ipynb OUT.html [--no-code]
//       Renders an executed notebook (markdown, code and outputs; --no-code leaves the code out) as one HTML page,
//       the outputs exactly as saved and in order, as a notebook front end shows them: nothing is added, so its
//       charts draw offline only if the outputs carry plotly.js themselves (what CI checks in a headless browser).
//
// Exit codes: 0 ok, 1 a check failed, 2 bad usage.
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

try
{
    return args switch
    {
        ["make", .. var rest] => Make(FindRepo(), rest.Contains("--check")),
        ["check", var path, .. var rest] => Check(path, Option(rest, "--charts") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 0),
        ["html", var input, var output, .. var rest] => Html(input, output, !rest.Contains("--no-code")),
        _ => Usage(),
    };
}
catch (Exception e) when (e is IOException or JsonException or FormatException or InvalidDataException)
{
    Console.Error.WriteLine($"nbtool: {e.Message}");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: nbtool make [--check] | check EXECUTED.ipynb [--charts N] | html EXECUTED.ipynb OUT.html [--no-code]");
    return 2;
}

static string? Option(string[] rest, string name) => Array.IndexOf(rest, name) is var i and >= 0 && i + 1 < rest.Length ? rest[i + 1] : null;

static string FindRepo()
{
    var dir = Directory.GetCurrentDirectory();
    while (!File.Exists(Path.Combine(dir, "EraseAtCore.sln")))
        dir = Path.GetDirectoryName(dir) ?? throw new IOException("run nbtool inside the EraseAtCore repository (EraseAtCore.sln not found above the current folder)");
    return dir;
}

// ---------------------------------------------------------------------------------------------------------------
// make: .dib sources -> .ipynb (as VS Code's Polyglot Notebooks writes them, without outputs)
// ---------------------------------------------------------------------------------------------------------------

static int Make(string repo, bool check)
{
    var src = Path.Combine(repo, "notebooks", "src");
    var setup = ParseDib(File.ReadAllText(Path.Combine(src, "_setup.dib")));
    int problems = 0;
    var sources = Directory.GetFiles(src, "*.dib").Where(f => !Path.GetFileName(f).StartsWith('_')).Order(StringComparer.Ordinal).ToList();
    foreach (var file in sources)
    {
        var cells = new List<(string Kind, string Text)>();
        foreach (var cell in ParseDib(File.ReadAllText(file)))
            if (cell.Kind == "csharp" && cell.Text.Trim() == "// @setup") cells.AddRange(setup);
            else cells.Add(cell);
        var json = Notebook(cells);
        var target = Path.Combine(repo, "notebooks", Path.GetFileNameWithoutExtension(file) + ".ipynb");
        var relative = Path.GetRelativePath(repo, target);
        if (check)
        {
            var current = File.Exists(target) ? File.ReadAllText(target) : null;
            if (current != json)
            {
                problems++;
                Console.WriteLine(current is null ? $"{relative}: missing" : $"{relative}: differs from {Path.GetRelativePath(repo, file)}" +
                    (HasOutputs(current) ? " (it has outputs: commit notebooks without them)" : ""));
            }
            else Console.WriteLine($"{relative}: up to date, no outputs");
        }
        else
        {
            File.WriteAllText(target, json);
            Console.WriteLine($"wrote {relative} ({cells.Count} cells)");
        }
    }
    foreach (var stray in Directory.GetFiles(Path.Combine(repo, "notebooks"), "*.ipynb"))
        if (!sources.Any(s => Path.GetFileNameWithoutExtension(s) == Path.GetFileNameWithoutExtension(stray)))
        {
            problems++;
            Console.WriteLine($"{Path.GetRelativePath(repo, stray)}: has no source in notebooks/src");
        }
    if (check && problems > 0) Console.WriteLine("run `dotnet run notebooks/tools/nbtool.cs -- make` and commit the result (edit the .dib sources, not the .ipynb)");
    return problems == 0 ? 0 : 1;
}

static bool HasOutputs(string ipynb) =>
    JsonNode.Parse(ipynb)?["cells"]?.AsArray().Any(c => c?["outputs"] is JsonArray { Count: > 0 }) ?? false;

// .dib: cells start at lines "#!markdown", "#!csharp" (or "#!meta", whose JSON is ignored here).
static List<(string Kind, string Text)> ParseDib(string text)
{
    var cells = new List<(string, string)>();
    string? kind = null;
    var lines = new List<string>();
    void Flush()
    {
        if (kind is "markdown" or "csharp")
        {
            var body = string.Join("\n", lines).Trim('\n', '\r');
            if (body.Trim().Length > 0) cells.Add((kind, body));
        }
        lines.Clear();
    }
    foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
    {
        if (Regex.Match(raw, @"^#!(markdown|csharp|meta)\s*$") is { Success: true } m) { Flush(); kind = m.Groups[1].Value; }
        else if (kind is null && raw.Trim().Length > 0) throw new InvalidDataException($"text before the first #! cell marker: '{raw}'");
        else lines.Add(raw);
    }
    Flush();
    return cells;
}

static string Notebook(List<(string Kind, string Text)> cells)
{
    static JsonArray Lines(string text)
    {
        var parts = text.Split('\n');
        var array = new JsonArray();
        for (int i = 0; i < parts.Length; i++) array.Add(i < parts.Length - 1 ? parts[i] + "\n" : parts[i]);
        return array;
    }
    var array = new JsonArray();
    foreach (var (kind, text) in cells)
        array.Add(kind == "markdown"
            ? new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = Lines(text) }
            : new JsonObject
            {
                ["cell_type"] = "code",
                ["execution_count"] = null,
                ["metadata"] = new JsonObject
                {
                    ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
                    ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
                },
                ["outputs"] = new JsonArray(),
                ["source"] = Lines(text),
            });
    var notebook = new JsonObject
    {
        ["cells"] = array,
        ["metadata"] = new JsonObject
        {
            ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
            ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
            ["polyglot_notebook"] = new JsonObject
            {
                ["kernelInfo"] = new JsonObject
                {
                    ["defaultKernelName"] = "csharp",
                    ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
                },
            },
        },
        ["nbformat"] = 4,
        ["nbformat_minor"] = 2,
    };
    var options = new JsonSerializerOptions { WriteIndented = true, IndentSize = 1, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    return notebook.ToJsonString(options) + "\n";
}

// ---------------------------------------------------------------------------------------------------------------
// check: an executed notebook (dotnet-repl --output-format ipynb)
// ---------------------------------------------------------------------------------------------------------------

static int Check(string path, int charts)
{
    var cells = JsonNode.Parse(File.ReadAllText(path))?["cells"]?.AsArray() ?? throw new InvalidDataException($"{path} is not a notebook");
    var name = Path.GetFileName(path);
    int errors = 0, plots = 0, code = 0, notRun = 0, external = 0;
    var slow = new List<string>();
    for (int i = 0; i < cells.Count; i++)
    {
        var cell = cells[i]!;
        if ((string?)cell["cell_type"] != "code") continue;
        code++;
        // Cell times as dotnet-repl or nbrun (the VS Code kernel) record them; a cell with neither was not run.
        var meta = cell["metadata"];
        var runner = meta?["nbrun_cellExecutionStartTime"] is not null ? "nbrun" : "dotnet_repl";
        if (meta?[$"{runner}_cellExecutionStartTime"] is null) notRun++;
        else if (DateTimeOffset.TryParse((string?)meta[$"{runner}_cellExecutionStartTime"], CultureInfo.InvariantCulture, out var start) &&
                 DateTimeOffset.TryParse((string?)meta[$"{runner}_cellExecutionEndTime"], CultureInfo.InvariantCulture, out var end) &&
                 (end - start).TotalSeconds >= 1)
            slow.Add($"cell {i + 1}: {(end - start).TotalSeconds:F0} s");
        foreach (var output in cell["outputs"]?.AsArray() ?? [])
        {
            if ((string?)output?["output_type"] == "error")
            {
                errors++;
                Console.WriteLine($"{name}: cell {i + 1} failed: {Shorten((string?)output["evalue"] ?? "(no message)")}");
            }
            if (output?["data"]?["text/html"] is { } html)
            {
                var text = Text(html);
                // A chart's own script (EraseAtCore's, or Plotly.NET's older CDN form); plotly.js itself defines newPlot too.
                if (text.Contains("window.Plotly.newPlot(", StringComparison.Ordinal) || text.Contains("Plotly.newPlot('", StringComparison.Ordinal)) plots++;
                foreach (var url in ExternalScripts(text))
                {
                    external++;
                    Console.WriteLine($"{name}: cell {i + 1} loads a script from the network, so offline it draws nothing: {url}");
                }
            }
        }
    }
    bool ok = errors == 0 && notRun == 0 && plots >= charts && code > 0 && external == 0;
    Console.WriteLine($"{name}: {code} code cells, {errors} failed, {notRun} not run, {plots} Plotly charts (expected at least {charts}), " +
                      $"{external} external scripts -> {(ok ? "ok" : "FAILED")}");
    if (slow.Count > 0) Console.WriteLine($"{name}: cells taking 1 s or more: {string.Join(", ", slow)}");
    return ok ? 0 : 1;
}

// Scripts an output would fetch: <script src=...> (any address: nothing beside the .ipynb travels with it), and, in
// script code, require.js paths and script elements given an http(s) address, or a .js file on a CDN host. plotly.js
// itself mentions http(s) addresses as data (SVG namespaces, its topojson folder for maps), which are not scripts.
static IEnumerable<string> ExternalScripts(string html)
{
    foreach (Match m in Regex.Matches(html, @"<script\b[^>]*\bsrc\s*=\s*[""']?([^""'\s>]+)", RegexOptions.IgnoreCase))
        yield return m.Groups[1].Value;
    foreach (Match script in Regex.Matches(html, @"<script\b[^>]*>(.*?)</script>", RegexOptions.IgnoreCase | RegexOptions.Singleline))
    {
        var code = script.Groups[1].Value;
        foreach (Match m in Regex.Matches(code, @"(?:paths\s*:\s*\{[^}]*?|setAttribute\(\s*[""']src[""']\s*,\s*|\.src\s*=\s*)[""']((?:https?:)?//[^""']+)[""']"))
            yield return m.Groups[1].Value;
        foreach (Match m in Regex.Matches(code, @"(?:https?:)?//(?:cdn\.plot\.ly|cdnjs\.cloudflare\.com|cdn\.jsdelivr\.net|unpkg\.com|code\.jquery\.com|ajax\.googleapis\.com)/[^""'\s)]*?\.(?:min|js)(?=[""'\s)?]|$)"))
            yield return m.Value;
    }
}

static string Text(JsonNode node) => node is JsonArray a ? string.Concat(a.Select(x => (string?)x)) : (string?)node ?? "";

static string Shorten(string s) => s.Length <= 400 ? s : s[..400] + " ...";

// ---------------------------------------------------------------------------------------------------------------
// html: an executed notebook as one offline page
// ---------------------------------------------------------------------------------------------------------------

static int Html(string input, string output, bool withCode)
{
    var notebook = JsonNode.Parse(File.ReadAllText(input)) ?? throw new InvalidDataException($"{input} is not a notebook");
    var page = new StringBuilder();
    page.Append($$"""
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>{{WebUtility.HtmlEncode(Path.GetFileNameWithoutExtension(input))}}</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 1.5em auto; color: #222; }
        pre { background: #f6f8fa; padding: .6em; overflow-x: auto; font-size: 12px; }
        pre.code { border-left: 3px solid #4a7bd0; }
        pre.error { background: #fde8e8; color: #a00; }
        .out { margin: .3em 0 1.2em 0; }
        table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ccc; padding: 2px 8px; }
        </style>
        </head><body>

        """);
    foreach (var cell in notebook["cells"]?.AsArray() ?? [])
    {
        var source = Text(cell!["source"]!);
        if ((string?)cell["cell_type"] == "markdown") { page.AppendLine(Markdown(source)); continue; }
        if (withCode) page.AppendLine($"<pre class=\"code\">{WebUtility.HtmlEncode(source)}</pre>");
        page.AppendLine("<div class=\"out\">");
        foreach (var o in cell["outputs"]?.AsArray() ?? [])
        {
            var data = o?["data"];
            if ((string?)o?["output_type"] == "error") page.AppendLine($"<pre class=\"error\">{WebUtility.HtmlEncode((string?)o["evalue"] ?? "")}</pre>");
            else if ((string?)o?["output_type"] == "stream") page.AppendLine($"<pre>{WebUtility.HtmlEncode(Text(o["text"]!))}</pre>");
            else if (data?["text/html"] is { } html) page.AppendLine(Text(html));
            else if (data?["text/markdown"] is { } md) page.AppendLine(Markdown(Text(md)));
            else if (data?["text/plain"] is { } plain) page.AppendLine($"<pre>{WebUtility.HtmlEncode(Text(plain))}</pre>");
        }
        page.AppendLine("</div>");
    }
    page.AppendLine("</body></html>");
    File.WriteAllText(output, page.ToString());
    Console.WriteLine($"wrote {output} ({page.Length / 1024} KiB)");
    return 0;
}

// Enough Markdown for these notebooks: headings, paragraphs, lists, tables, code spans and blocks, bold, italics, links.
static string Markdown(string md)
{
    var html = new StringBuilder();
    var lines = md.Replace("\r\n", "\n").Split('\n');
    var paragraph = new List<string>();
    string? list = null;
    void FlushParagraph()
    {
        if (paragraph.Count > 0) html.AppendLine($"<p>{Inline(string.Join(" ", paragraph))}</p>");
        paragraph.Clear();
    }
    void CloseList()
    {
        if (list is not null) html.AppendLine($"</{list}>");
        list = null;
    }
    for (int i = 0; i < lines.Length; i++)
    {
        var line = lines[i];
        if (line.StartsWith("```"))
        {
            FlushParagraph(); CloseList();
            var code = new List<string>();
            for (i++; i < lines.Length && !lines[i].StartsWith("```"); i++) code.Add(lines[i]);
            html.AppendLine($"<pre>{WebUtility.HtmlEncode(string.Join("\n", code))}</pre>");
        }
        else if (Regex.Match(line, @"^(#{1,6})\s+(.*)$") is { Success: true } h)
        {
            FlushParagraph(); CloseList();
            html.AppendLine($"<h{h.Groups[1].Length}>{Inline(h.Groups[2].Value)}</h{h.Groups[1].Length}>");
        }
        else if (line.TrimStart().StartsWith('|'))
        {
            FlushParagraph(); CloseList();
            html.AppendLine("<table>");
            for (; i < lines.Length && lines[i].TrimStart().StartsWith('|'); i++)
            {
                if (Regex.IsMatch(lines[i], @"^\s*\|[\s:|-]+\|\s*$")) continue;
                var cellsText = lines[i].Trim().Trim('|').Split('|');
                html.AppendLine("<tr>" + string.Concat(cellsText.Select(c => $"<td>{Inline(c.Trim())}</td>")) + "</tr>");
            }
            i--;
            html.AppendLine("</table>");
        }
        else if (Regex.Match(line, @"^\s*([-*]|\d+\.)\s+(.*)$") is { Success: true } item)
        {
            FlushParagraph();
            var kind = char.IsDigit(item.Groups[1].Value[0]) ? "ol" : "ul";
            if (list != kind) { CloseList(); html.AppendLine($"<{kind}>"); list = kind; }
            html.AppendLine($"<li>{Inline(item.Groups[2].Value)}</li>");
        }
        else if (line.Trim().Length == 0) { FlushParagraph(); CloseList(); }
        else if (list is not null && line.StartsWith("  ")) html.AppendLine(Inline(line.Trim()));
        else paragraph.Add(line.Trim());
    }
    FlushParagraph(); CloseList();
    return html.ToString();
}

static string Inline(string text)
{
    var s = WebUtility.HtmlEncode(text);
    s = Regex.Replace(s, @"`([^`]+)`", "<code>$1</code>");
    s = Regex.Replace(s, @"\*\*([^*]+)\*\*", "<b>$1</b>");
    s = Regex.Replace(s, @"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", "<i>$1</i>");
    s = Regex.Replace(s, @"\[([^\]]+)\]\(([^)]+)\)", "<a href=\"$2\">$1</a>");
    return s;
}
