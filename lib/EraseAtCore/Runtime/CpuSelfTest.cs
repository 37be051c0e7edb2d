namespace EraseAtCore.Runtime;

/// <summary>
/// Finds the fastest caps under which libtorch computes correctly on this machine: runs erase-core-cpu-probe
/// uncapped, and after each failure lowers the library the failing check names by one step, until every check
/// passes. Variables the user set are never changed; ceilings from <see cref="KnownBadCpus"/> are never exceeded.
/// </summary>
/// <remarks>Measured costs and the reasons for the repeat count are in docs/cpu-kernels.md.</remarks>
public static class CpuSelfTest
{
    /// <summary>Bumped whenever the checks or the ladder change, so cached verdicts are reached again.</summary>
    public const int Version = 2;

    /// <summary>
    /// New-thread repeats per check. The failures seen at the full instruction set show on the first try (the
    /// input-gradient is wrong on the first thread); four more on new threads catch thread-dependent ones that are
    /// not rare, at about 0.6 s of checks per passing probe (1.2 s with the child's start).
    /// </summary>
    public const int DefaultRepeats = 4;

    /// <summary>Runs the self-test; <paramref name="userSet"/> maps each variable the user set to its value.</summary>
    public static CpuKernelVerdict Run(string probePath, CpuIdentity cpu, string torchSharpVersion, IReadOnlyDictionary<string, string> userSet,
                                       int repeats = DefaultRepeats, Action<string>? progress = null) =>
        Run(caps => CpuProbeProcess.Run(probePath, caps, repeats), cpu, torchSharpVersion, userSet, progress);

    /// <summary>The self-test's decisions with <paramref name="probe"/> standing for the probe process (tests give a scripted one).</summary>
    public static CpuKernelVerdict Run(Func<CpuKernelCaps, CpuProbeRun> probe, CpuIdentity cpu, string torchSharpVersion,
                                       IReadOnlyDictionary<string, string> userSet, Action<string>? progress = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var log = new List<string>();
        CpuProbeRun Probe(CpuKernelCaps caps, string note = "")
        {
            progress?.Invoke($"probing {caps}{note}");
            var run = probe(caps);
            log.Add($"{caps}{note}: {run.Summary} ({run.Seconds:F1} s)");
            return run;
        }
        CpuKernelVerdict Verdict(CpuKernelCaps final, CpuVerdictStatus status, string source) => new()
        {
            Caps = final, Status = status, Source = source, Cpu = cpu.ToString(), TestedAt = DateTimeOffset.UtcNow, Seconds = clock.Elapsed.TotalSeconds, Log = log,
        };

        var caps = CpuKernelCaps.None.WithUserSettings(userSet);
        var ceilings = KnownBadCpus.For(cpu, torchSharpVersion).Where(e => !userSet.ContainsKey(e.Library.Variable)).ToList();
        if (ceilings.Count > 0)
        {
            // Not needed for the decision, but it shows what the ceiling protects from: a known-bad machine's verdict
            // then names the failure measured here, not only the list. A failing setting stops at its first failure.
            var uncapped = Probe(caps, " (above the known-bad ceilings, for the record)");
            foreach (var entry in ceilings)
                caps = caps.With(entry.Library, entry.Ceiling, $"{entry.Reason}; at the full instruction set the self-test saw: {uncapped.Summary}");
        }

        // Libraries lowered on suspicion (a failed training or a crash names no library), with the caps before: once a
        // setting passes, each is raised back if the probe still passes, so only what fails stays lowered.
        var suspected = new List<(CpuKernelLibrary Library, CpuKernelCaps Before)>();
        int rotation = 0;
        while (true)
        {
            var run = Probe(caps);
            if (run.Error is not null)
                return Verdict(CpuKernelCaps.Conservative($"self-test could not run ({run.Error}); the kit's conservative caps").WithUserSettings(userSet),
                               CpuVerdictStatus.NotTested, "no self-test: " + run.Error);
            if (run.Passed) break;

            var failed = run.Failed.First();
            bool named = failed.Name is "conv_input_gradient" or "matmul_alignment";
            IEnumerable<CpuKernelLibrary> suspects = failed.Name switch
            {
                "conv_input_gradient" => [CpuKernelLibrary.OneDnn],
                "matmul_alignment" => [CpuKernelLibrary.Mkl],
                _ => CpuKernelLibrary.All.Skip(rotation % 3).Concat(CpuKernelLibrary.All.Take(rotation++ % 3)), // each in turn
            };
            // A check that names its library lowers only that one: when it is the user's to set, the others stay.
            var library = suspects.FirstOrDefault(l => CanLower(l, caps, cpu, userSet));
            if (library is null)
                return Verdict(caps, CpuVerdictStatus.StillFailing,
                               $"self-test: still failing, and no cap it may change can go lower ({run.Summary}); results on this machine are suspect");
            if (!named) suspected.Add((library, caps));
            caps = caps.With(library, Lower(library, caps, cpu), $"self-test: {run.Summary}, with {library.Variable}={caps[library] ?? "unset"}");
        }

        for (int i = suspected.Count - 1; i >= 0; i--)
        {
            var (library, before) = suspected[i];
            if (caps[library] == before[library]) continue;
            var raised = before[library] is { } value ? caps.With(library, value, before.Reasons[library.Variable]) : caps.With(library, null, "");
            if (Probe(raised, " (raising back a library lowered on suspicion)").Passed) caps = raised;
        }
        return Verdict(caps, CpuVerdictStatus.Passed, "self-test");
    }

    static bool CanLower(CpuKernelLibrary library, CpuKernelCaps caps, CpuIdentity cpu, IReadOnlyDictionary<string, string> userSet) =>
        !userSet.ContainsKey(library.Variable) && Lower(library, caps, cpu) is not null;

    /// <summary>The next value down this CPU's ladder from the current one, or null at the bottom.</summary>
    static string? Lower(CpuKernelLibrary library, CpuKernelCaps caps, CpuIdentity cpu)
    {
        var ladder = library.LadderFor(cpu);
        int current = library.Step(caps[library]);
        // The first rung below the current value on the full ladder that this CPU has.
        return ladder.Skip(1).FirstOrDefault(v => library.Step(v) > current);
    }
}
