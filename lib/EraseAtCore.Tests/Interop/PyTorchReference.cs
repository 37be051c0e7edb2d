using System.Diagnostics;

namespace EraseAtCore.Tests.Interop;

/// <summary>
/// Runs pytorch_reference.py with a Python that has torch and torchvision (Debian's python3-torch and
/// python3-torchvision; ERASE_CORE_PYTHON overrides the interpreter). Where none is installed the
/// PyTorch-side tests return at once (xunit 2 has no runtime skip), unless
/// ERASE_CORE_REQUIRE_PYTORCH=1 (set by CI), which makes its absence a failure.
/// </summary>
static class PyTorchReference
{
    static readonly Lazy<string?> Interpreter = new(Find);

    /// <summary>True when the tests can run PyTorch; throws where CI requires it and it is missing.</summary>
    public static bool Available()
    {
        if (Interpreter.Value is not null) return true;
        if (Environment.GetEnvironmentVariable("ERASE_CORE_REQUIRE_PYTORCH") == "1")
            throw new InvalidOperationException("ERASE_CORE_REQUIRE_PYTORCH=1 but no python3 with torch and torchvision was found: apt-get install python3-torch python3-torchvision.");
        return false;
    }

    /// <summary>Runs the script with <paramref name="args"/>; fails with its stderr when it exits non-zero.</summary>
    public static string Run(params string[] args)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Interop", "pytorch_reference.py");
        var (code, stdout, stderr) = Execute(Interpreter.Value!, [script, .. args]);
        if (code != 0) throw new InvalidOperationException($"pytorch_reference.py {string.Join(" ", args)} exited {code}:\n{stderr}");
        return stdout;
    }

    static string? Find()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("ERASE_CORE_PYTHON"), "/usr/bin/python3", "python3" })
        {
            if (string.IsNullOrEmpty(candidate)) continue;
            try
            {
                if (Execute(candidate, ["-c", "import torch, torchvision"]).Code == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }   // no such program
        }
        return null;
    }

    static (int Code, string Stdout, string Stderr) Execute(string program, string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}
