// nbrun: runs a notebook in the kernel VS Code's Polyglot Notebooks extension runs, as the extension drives it, and
// saves the executed copy. A .NET 10 file-based app (no project, no package):
//
//   dotnet run notebooks/tools/nbrun.cs -- NOTEBOOK.ipynb EXECUTED.ipynb [--timeout SECONDS] [--log FILE]
//
// It starts `dotnet-interactive [vscode] stdio --working-dir <the notebook's folder>` (the local tool of
// .config/dotnet-tools.json, so run it inside the repository after `dotnet tool restore`), waits for KernelReady,
// submits every code cell in order as SubmitCode commands (JSON lines on stdin), and turns the kernel's events into
// the cell's outputs, as VS Code saves them: displayed values (updated in place), return values, standard output
// and error, and the error of a failed cell. It stops at the first failed cell, like "Run All".
//
// Exit codes: 0 every cell ran without an error or a warning; 1 a cell failed, the kernel reported a warning or an
// error diagnostic for a cell's code (the squiggle a user would see), or the time ran out; 2 bad usage.
// nbtool check then reads the executed copy (charts, external scripts, cell times).
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

if (args.Length < 2 || args[0].StartsWith('-') || args[1].StartsWith('-'))
{
    Console.Error.WriteLine("usage: nbrun NOTEBOOK.ipynb EXECUTED.ipynb [--timeout SECONDS] [--log FILE]");
    return 2;
}
var input = Path.GetFullPath(args[0]);
var output = Path.GetFullPath(args[1]);
var timeout = TimeSpan.FromSeconds(Option("--timeout") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : 1800);
var logPath = Option("--log");
string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

if (!File.Exists(input))
{
    Console.Error.WriteLine($"nbrun: {input} does not exist");
    return 2;
}
var notebook = JsonNode.Parse(File.ReadAllText(input)) ?? throw new InvalidDataException($"{input} is not a notebook");
var cells = notebook["cells"]?.AsArray() ?? throw new InvalidDataException($"{input} has no cells");
var name = Path.GetFileName(input);
var deadline = Stopwatch.StartNew();
using var log = logPath is null ? TextWriter.Null : new StreamWriter(logPath) { AutoFlush = true };

var kernel = new Process
{
    StartInfo = new ProcessStartInfo("dotnet", ["tool", "run", "dotnet-interactive", "--", "[vscode]", "stdio", "--working-dir", Path.GetDirectoryName(input)!])
    {
        RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        // The tool is found through the current folder's .config/dotnet-tools.json; the notebook's folder may be elsewhere.
        WorkingDirectory = Environment.CurrentDirectory,
    },
};
// A kernel started from inside an MSBuild or dotnet-run process must not inherit its MSBuild settings.
foreach (var key in kernel.StartInfo.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
    kernel.StartInfo.Environment.Remove(key);
var events = new BlockingCollection<JsonNode>();
kernel.OutputDataReceived += (_, e) =>
{
    if (e.Data is null) { events.CompleteAdding(); return; }
    log.WriteLine(e.Data.Length > 2000 ? e.Data[..2000] + " ..." : e.Data);
    if (e.Data.StartsWith('{'))
        try { if (JsonNode.Parse(e.Data) is { } node) events.Add(node); } catch (JsonException) { }
};
kernel.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.WriteLine("stderr: " + e.Data); };
kernel.Start();
kernel.BeginOutputReadLine();
kernel.BeginErrorReadLine();

int failures = 0, executed = 0, codeCells = 0, warnings = 0;
try
{
    if (Next(e => Type(e) == "KernelReady") is null)
        throw new TimeoutException("the kernel did not report KernelReady");
    for (var i = 0; i < cells.Count; i++)
    {
        var cell = cells[i]!;
        if ((string?)cell["cell_type"] != "code") continue;
        codeCells++;
        if (failures > 0) continue;   // like Run All: nothing after a failed cell runs
        var (failed, cellWarnings) = RunCell(cell, i + 1, ++executed);
        warnings += cellWarnings;
        if (failed) failures++;
    }
}
catch (TimeoutException e)
{
    failures++;
    Console.WriteLine($"{name}: {e.Message} after {deadline.Elapsed.TotalSeconds:F0} s (limit {timeout.TotalSeconds:F0} s)");
}
finally
{
    Send(new JsonObject { ["token"] = Guid.NewGuid().ToString(), ["commandType"] = "Quit", ["command"] = new JsonObject(), ["routingSlip"] = new JsonArray() });
    if (!kernel.WaitForExit(TimeSpan.FromSeconds(15))) kernel.Kill(entireProcessTree: true);
}

var options = new JsonSerializerOptions { WriteIndented = true, IndentSize = 1, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
var temporary = output + ".tmp";
File.WriteAllText(temporary, notebook.ToJsonString(options) + "\n");
File.Move(temporary, output, overwrite: true);
Console.WriteLine($"{name}: {executed} of {codeCells} code cells run in dotnet-interactive (stdio, as VS Code), {failures} failed, " +
                  $"{warnings} warning(s), {deadline.Elapsed.TotalSeconds:F0} s -> {(failures == 0 && warnings == 0 ? "ok" : "FAILED")}");
return failures == 0 && warnings == 0 ? 0 : 1;

// One cell: submit it, turn its events into outputs until the kernel says it succeeded or failed.
(bool Failed, int Warnings) RunCell(JsonNode cell, int number, int executionCount)
{
    var code = cell["source"] is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)cell["source"] ?? "";
    var language = (string?)cell["metadata"]?["polyglot_notebook"]?["kernelName"] ?? "csharp";
    var token = Guid.NewGuid().ToString();
    var outputs = new JsonArray();
    var displayed = new Dictionary<string, JsonObject>();
    int cellWarnings = 0;
    var started = DateTimeOffset.UtcNow;
    Send(new JsonObject
    {
        ["token"] = token, ["commandType"] = "SubmitCode",
        ["command"] = new JsonObject { ["code"] = code, ["targetKernelName"] = language },
        ["routingSlip"] = new JsonArray(),
    });
    bool failed = false;
    while (true)
    {
        var e = Next(e => Token(e) is { } t && (t == token || t.StartsWith(token, StringComparison.Ordinal)))
                ?? throw new TimeoutException($"cell {number} did not finish");
        var body = e["event"];
        switch (Type(e))
        {
            case "DisplayedValueProduced":
            case "ReturnValueProduced":
            {
                var data = Data(body);
                var result = Type(e) == "ReturnValueProduced"
                    ? new JsonObject { ["output_type"] = "execute_result", ["execution_count"] = executionCount, ["data"] = data, ["metadata"] = new JsonObject() }
                    : new JsonObject { ["output_type"] = "display_data", ["data"] = data, ["metadata"] = new JsonObject() };
                outputs.Add(result);
                if ((string?)body?["valueId"] is { } id) displayed[id] = result;
                break;
            }
            case "DisplayedValueUpdated":
                // As VS Code does: replace the output with this value id, or add one. (In this kernel a C# display()'s
                // updates carry another id than the value it produced, so the first update adds an output.)
                var updated = (string?)body?["valueId"] ?? "";
                if (displayed.TryGetValue(updated, out var target)) target["data"] = Data(body);
                else outputs.Add(displayed[updated] = new JsonObject { ["output_type"] = "display_data", ["data"] = Data(body), ["metadata"] = new JsonObject() });
                break;
            case "StandardOutputValueProduced":
            case "StandardErrorValueProduced":
                outputs.Add(new JsonObject
                {
                    ["output_type"] = "stream", ["name"] = Type(e) == "StandardOutputValueProduced" ? "stdout" : "stderr",
                    ["text"] = string.Concat((body?["formattedValues"]?.AsArray() ?? []).Where(v => (string?)v?["mimeType"] == "text/plain").Select(v => (string?)v?["value"])),
                });
                break;
            case "DiagnosticsProduced":
                foreach (var d in body?["diagnostics"]?.AsArray() ?? [])
                {
                    var severity = (string?)d?["severity"] ?? "";
                    if (severity is not ("Warning" or "Error" or "warning" or "error")) continue;
                    if (severity.StartsWith('W') || severity.StartsWith('w')) cellWarnings++;
                    Console.WriteLine($"{name}: cell {number}: {severity.ToLowerInvariant()} {(string?)d?["code"]}: {(string?)d?["message"]}");
                }
                break;
            case "CommandFailed" when Token(e) == token:
                failed = true;
                var message = (string?)body?["message"] ?? "(no message)";
                outputs.Add(new JsonObject { ["output_type"] = "error", ["ename"] = "Error", ["evalue"] = message, ["traceback"] = new JsonArray() });
                Console.WriteLine($"{name}: cell {number} failed: {(message.Length > 600 ? message[..600] + " ..." : message)}");
                break;
        }
        if (Token(e) == token && Type(e) is "CommandSucceeded" or "CommandFailed") break;
    }
    cell["outputs"] = outputs;
    cell["execution_count"] = executionCount;
    var metadata = cell["metadata"] as JsonObject ?? new JsonObject();
    metadata["nbrun_cellExecutionStartTime"] = started.ToString("O");
    metadata["nbrun_cellExecutionEndTime"] = DateTimeOffset.UtcNow.ToString("O");
    cell["metadata"] = metadata;
    return (failed, cellWarnings);
}

JsonObject Data(JsonNode? body)
{
    var data = new JsonObject();
    foreach (var v in body?["formattedValues"]?.AsArray() ?? [])
        if ((string?)v?["mimeType"] is { } mime && !data.ContainsKey(mime)) data[mime] = (string?)v?["value"] ?? "";
    return data;
}

JsonNode? Next(Func<JsonNode, bool> wanted)
{
    while (true)
    {
        var left = timeout - deadline.Elapsed;
        if (left <= TimeSpan.Zero) return null;
        if (!events.TryTake(out var e, left)) return events.IsCompleted ? throw new TimeoutException("the kernel exited") : null;
        if (wanted(e)) return e;
    }
}

void Send(JsonNode envelope)
{
    try { kernel.StandardInput.WriteLine(envelope.ToJsonString()); kernel.StandardInput.Flush(); }
    catch (IOException) { }
}

static string? Type(JsonNode e) => (string?)e["eventType"];

static string? Token(JsonNode e) => (string?)e["command"]?["token"];
