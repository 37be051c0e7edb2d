using System.Diagnostics;
using System.Text.Json;

namespace EraseAtCore.Runtime;

/// <summary>
/// Starts erase-core-cpu-probe (lib/EraseAtCore.CpuProbe, copied beside this assembly) as a child process with
/// chosen caps. A child, because each library reads its cap once per process: the only way to try a setting is a
/// process that has not used torch yet.
/// </summary>
public static class CpuProbeProcess
{
    /// <summary>The probe's file name beside EraseAtCore.dll.</summary>
    public const string FileName = "erase-core-cpu-probe.dll";

    /// <summary>A probe that has not answered in this long is taken as failed (a hang under some caps is a result too).</summary>
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>The probe beside this assembly or in its NuGet package, or null when it is not there (a hand-copied DLL).</summary>
    public static string? Locate() => LibraryFiles.Candidates(FileName).FirstOrDefault(File.Exists);

    /// <summary>
    /// Run from the NuGet package, the probe has no TorchSharp beside it: its deps.json names the packages, and the
    /// host finds them in the NuGet cache TorchSharp itself was loaded from (&lt;packages&gt;/torchsharp/&lt;version&gt;/lib/&lt;tfm&gt;/).
    /// </summary>
    static string[] PackageProbing(string probePath)
    {
        if (File.Exists(Path.Combine(Path.GetDirectoryName(probePath) ?? "", "TorchSharp.dll"))) return [];
        return TorchSharpPackage.PackagesRoot is { } packages ? ["--additionalprobingpath", packages.FullName] : [];
    }

    /// <summary>Runs the probe at <paramref name="probePath"/> under <paramref name="caps"/> with <paramref name="repeats"/> new-thread repeats per check.</summary>
    public static CpuProbeRun Run(string probePath, CpuKernelCaps caps, int repeats)
    {
        var clock = Stopwatch.StartNew();
        // Only stdout is redirected, and read on this thread: this can run inside the module initializer, where any
        // other thread that ran our code would wait for it, and where pool threads may be scarce. The probe prints one
        // JSON line (far below a pipe's buffer), so waiting for its exit before reading cannot stall it; its stderr
        // (usage errors, native warnings) goes where ours goes.
        var start = new ProcessStartInfo(DotnetHost(), ["exec", .. PackageProbing(probePath), probePath, "--json", "--stop-at-first-failure", "--repeats", repeats.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var library in CpuKernelLibrary.All)
        {
            if (caps[library] is { } value) start.Environment[library.Variable] = value;
            else start.Environment.Remove(library.Variable);
        }
        Process process;
        try { process = Process.Start(start)!; }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new(caps, false, [], clock.Elapsed.TotalSeconds, $"the probe could not be started: {e.Message}");
        }
        using (process)
        {
            CpuProbeRun Crashed(string what) =>
                new(caps, false, [new CpuProbeCheck(CpuProbeCheck.Crashed, "first", 1, 1, what, clock.Elapsed.TotalMilliseconds)], clock.Elapsed.TotalSeconds, null);
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return Crashed($"the probe did not finish in {Timeout.TotalSeconds:F0} s");
            }
            string output = process.StandardOutput.ReadToEnd();
            string? json = output.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{'));
            if (json is null) return Crashed($"the probe exited with {process.ExitCode} without a result");
            try
            {
                using var doc = JsonDocument.Parse(json);
                var checks = doc.RootElement.GetProperty("checks").EnumerateArray().Select(c => new CpuProbeCheck(
                    c.GetProperty("name").GetString()!, c.GetProperty("thread").GetString()!, c.GetProperty("runs").GetInt32(),
                    c.GetProperty("failures").GetInt32(), c.GetProperty("worst").GetString()!, c.GetProperty("ms").GetDouble())).ToList();
                return new(caps, doc.RootElement.GetProperty("passed").GetBoolean(), checks, clock.Elapsed.TotalSeconds, null);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return Crashed($"the probe's result could not be read ({e.Message})");
            }
        }
    }

    /// <summary>The dotnet host that runs this process's runtime: DOTNET_HOST_PATH, else the runtime folder's root, else PATH.</summary>
    static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        // .../dotnet/shared/Microsoft.NETCore.App/10.0.x/ -> .../dotnet/dotnet
        var runtime = new DirectoryInfo(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory());
        string? root = runtime.Parent?.Parent?.Parent?.FullName;
        string candidate = root is null ? "" : Path.Combine(root, "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}
