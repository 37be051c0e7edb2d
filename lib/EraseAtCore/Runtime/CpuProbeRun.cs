namespace EraseAtCore.Runtime;

/// <summary>
/// One check of erase-core-cpu-probe: how many of its runs failed, and the worst case in words. The check names
/// (<c>conv_input_gradient</c>, <c>matmul_alignment</c>, <c>training_repeat</c>) and the JSON the probe prints are
/// defined in lib/EraseAtCore.CpuProbe/Checks.cs; the probe references nothing of the kit, so the contract is held by
/// a test that runs the real probe (CpuSelfTestTests).
/// </summary>
public sealed record CpuProbeCheck(string Name, string Thread, int Runs, int Failures, string Worst, double Milliseconds)
{
    /// <summary>The pseudo-check of a probe that crashed or hung: its caps are as wrong as a failed check's.</summary>
    public const string Crashed = "probe_crashed";
}

/// <summary>What one run of erase-core-cpu-probe under one set of caps reported.</summary>
/// <param name="Caps">The caps the probe ran under.</param>
/// <param name="Passed">Whether every check passed.</param>
/// <param name="Checks">The checks run (a failing probe stops at its first failure).</param>
/// <param name="Seconds">Wall time of the child process.</param>
/// <param name="Error">Why the probe could not be started at all, or null; a crash or hang is a failed check instead.</param>
public sealed record CpuProbeRun(CpuKernelCaps Caps, bool Passed, IReadOnlyList<CpuProbeCheck> Checks, double Seconds, string? Error)
{
    /// <summary>The checks that failed.</summary>
    public IEnumerable<CpuProbeCheck> Failed => Checks.Where(c => c.Failures > 0);

    /// <summary>"conv_input_gradient on a new thread failed 3 of 4: ..." for the first failure, or "passed".</summary>
    public string Summary => Error ?? (Failed.FirstOrDefault() is { } f
        ? f.Name == CpuProbeCheck.Crashed ? f.Worst
        : $"{f.Name} on {(f.Thread == "first" ? "the first thread" : "a new thread")} failed {f.Failures} of {f.Runs}: {f.Worst}"
        : "passed");
}
