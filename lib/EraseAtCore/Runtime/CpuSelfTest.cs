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
    public const int Version = 1;

    /// <summary>
    /// New-thread repeats per check. The failures seen at the full instruction set show on the first try (the
    /// input-gradient is wrong on the first thread); four more on new threads catch thread-dependent ones that are
    /// not rare, at about 0.4 s per passing probe.
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
        var caps = CpuKernelCaps.None;
        foreach (var library in CpuKernelLibrary.All.Where(l => userSet.ContainsKey(l.Variable)))
            caps = caps.With(library, userSet[library.Variable], "set by you");
        var log = new List<string>();
        var ceilings = KnownBadCpus.For(cpu, torchSharpVersion).Where(e => !userSet.ContainsKey(e.Library.Variable)).ToList();
        if (ceilings.Count > 0)
        {
            // Not needed for the decision, but it shows what the ceiling protects from: a known-bad machine's verdict
            // then names the failure measured here, not only the list. Failing settings stop at their first failure.
            progress?.Invoke($"probing {caps} (without the known-bad ceilings, for the record)");
            var uncapped = probe(caps);
            log.Add($"{caps} (above the known-bad ceilings, not used): {uncapped.Summary} ({uncapped.Seconds:F1} s)");
            foreach (var entry in ceilings)
                caps = caps.With(entry.Library, entry.Ceiling, $"{entry.Reason}; at the full instruction set the self-test saw: {uncapped.Summary}");
        }

        int rotation = 0;
        for (int attempt = 0; attempt < 16; attempt++)
        {
            progress?.Invoke($"probing {caps}");
            var run = probe(caps);
            log.Add($"{caps}: {run.Summary} ({run.Seconds:F1} s)");
            CpuKernelVerdict Verdict(CpuKernelCaps final, string source) => new()
            {
                Caps = final, Source = source, Cpu = cpu.ToString(), TestedAt = DateTimeOffset.UtcNow, Seconds = clock.Elapsed.TotalSeconds, Log = log,
            };
            if (run.Passed) return Verdict(caps, "self-test");
            if (run.Error is not null)
                return Verdict(MergeUserSettings(CpuKernelCaps.Conservative($"self-test could not run ({run.Error}); the kit's conservative caps"), userSet),
                               "no self-test: " + run.Error);

            var failed = run.Failed.First();
            var suspects = failed.Name switch
            {
                "conv_input_gradient" => [CpuKernelLibrary.OneDnn, CpuKernelLibrary.Aten, CpuKernelLibrary.Mkl],
                "matmul_alignment" => [CpuKernelLibrary.Mkl, CpuKernelLibrary.Aten, CpuKernelLibrary.OneDnn],
                // A training involves all three: lower each in turn, one step at a time.
                _ => CpuKernelLibrary.All.Skip(rotation % 3).Concat(CpuKernelLibrary.All.Take(rotation++ % 3)).ToList(),
            };
            var lowerable = suspects.FirstOrDefault(l => !userSet.ContainsKey(l.Variable) && l.Step(caps[l]) < l.Ladder.Count - 1);
            if (lowerable is null)
                return Verdict(caps, $"self-test: still failing with every cap at its lowest ({run.Summary}); results on this machine are suspect");
            string? lower = lowerable.Ladder[lowerable.Step(caps[lowerable]) + 1];
            caps = caps.With(lowerable, lower, $"self-test: {run.Summary}, with {lowerable.Variable}={caps[lowerable] ?? "unset"}");
        }
        return new()
        {
            Caps = MergeUserSettings(CpuKernelCaps.Conservative("self-test did not settle; the kit's conservative caps"), userSet),
            Source = "no self-test: it did not settle", Cpu = cpu.ToString(), TestedAt = DateTimeOffset.UtcNow, Seconds = clock.Elapsed.TotalSeconds, Log = log,
        };
    }

    /// <summary><paramref name="caps"/> with every variable the user set put back to the user's value.</summary>
    public static CpuKernelCaps MergeUserSettings(CpuKernelCaps caps, IReadOnlyDictionary<string, string> userSet) =>
        CpuKernelLibrary.All.Where(l => userSet.ContainsKey(l.Variable)).Aggregate(caps, (c, l) => c.With(l, userSet[l.Variable], "set by you"));
}
