using System.Diagnostics;
using System.Text.Json;

namespace EraseAtCore.Runtime;

/// <summary>One check of erase-core-cpu-probe: how many of its runs failed, and the worst case in words.</summary>
public sealed record CpuProbeCheck(string Name, string Thread, int Runs, int Failures, string Worst, double Milliseconds);

/// <summary>What one run of erase-core-cpu-probe under one set of caps reported.</summary>
public sealed record CpuProbeRun(CpuKernelCaps Caps, bool Passed, IReadOnlyList<CpuProbeCheck> Checks, double Seconds, string? Error)
{
    /// <summary>The checks that failed.</summary>
    public IEnumerable<CpuProbeCheck> Failed => Checks.Where(c => c.Failures > 0);

    /// <summary>"conv_input_gradient on a new thread failed 3 of 4: ..." for the first failure, or "passed".</summary>
    public string Summary => Error ?? (Failed.FirstOrDefault() is { } f
        ? $"{f.Name} on {(f.Thread == "first" ? "the first thread" : "a new thread")} failed {f.Failures} of {f.Runs}: {f.Worst}"
        : "passed");
}

/// <summary>
/// Starts erase-core-cpu-probe (lib/EraseAtCore.CpuProbe, copied beside this assembly) as a child process with
/// chosen caps. A child, because each library reads its cap once per process: the only way to try a setting is a
/// process that has not used torch yet.
/// </summary>
public static class CpuProbeProcess
{
    /// <summary>The probe's file name beside EraseAtCore.dll.</summary>
    public const string FileName = "erase-core-cpu-probe.dll";

    /// <summary>A probe that has not answered in this long is taken as failed (a hang is a result too).</summary>
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>The probe beside this assembly, or null when it is not there (a hand-copied DLL).</summary>
    public static string? Locate()
    {
        string? folder = Path.GetDirectoryName(typeof(CpuProbeProcess).Assembly.Location);
        string? path = folder is null ? null : Path.Combine(folder, FileName);
        return path is not null && File.Exists(path) ? path : null;
    }

    /// <summary>Runs the probe at <paramref name="probePath"/> under <paramref name="caps"/> with <paramref name="repeats"/> new-thread repeats per check.</summary>
    public static CpuProbeRun Run(string probePath, CpuKernelCaps caps, int repeats)
    {
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo(DotnetHost(), ["exec", probePath, "--json", "--stop-at-first-failure", "--repeats", repeats.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var library in CpuKernelLibrary.All)
        {
            if (caps[library] is { } value) start.Environment[library.Variable] = value;
            else start.Environment.Remove(library.Variable);
        }
        try
        {
            using var process = Process.Start(start)!;
            // Both pipes read at once (a full stderr pipe would stall the child); BCL code only, since this can run
            // inside the module initializer, where a thread touching our types would wait for it.
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return new(caps, false, [], clock.Elapsed.TotalSeconds, $"the probe did not finish in {Timeout.TotalSeconds:F0} s");
            }
            process.WaitForExit();
            string output = stdout.Result, errors = stderr.Result.Trim();
            var json = output.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{'));
            if (json is null)
                return new(caps, false, [], clock.Elapsed.TotalSeconds,
                    $"the probe exited with {process.ExitCode} without a result{(errors.Length > 0 ? ": " + errors.Split('\n')[^1] : "")}");
            using var doc = JsonDocument.Parse(json);
            var checks = doc.RootElement.GetProperty("checks").EnumerateArray().Select(c => new CpuProbeCheck(
                c.GetProperty("name").GetString()!, c.GetProperty("thread").GetString()!, c.GetProperty("runs").GetInt32(),
                c.GetProperty("failures").GetInt32(), c.GetProperty("worst").GetString()!, c.GetProperty("ms").GetDouble())).ToList();
            return new(caps, doc.RootElement.GetProperty("passed").GetBoolean(), checks, clock.Elapsed.TotalSeconds, null);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or JsonException or KeyNotFoundException)
        {
            return new(caps, false, [], clock.Elapsed.TotalSeconds, $"the probe could not be run: {e.Message}");
        }
    }

    /// <summary>The dotnet host that runs this process's runtime: DOTNET_HOST_PATH, else the runtime folder's root, else PATH.</summary>
    static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        // .../dotnet/shared/Microsoft.NETCore.App/10.0.x/ -> .../dotnet/dotnet
        var runtime = new DirectoryInfo(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory());
        string? root = runtime.Parent?.Parent?.Parent?.FullName;
        string candidate = root is null ? "" : Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}
