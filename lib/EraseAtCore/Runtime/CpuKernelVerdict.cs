namespace EraseAtCore.Runtime;

/// <summary>Which caps a machine needs and why: the outcome of the CPU self-test, as cached and as reported.</summary>
public sealed record CpuKernelVerdict
{
    /// <summary>The caps to apply (variables the user set are among them, with "set by you" as reason).</summary>
    public required CpuKernelCaps Caps { get; init; }

    /// <summary>Where the verdict comes from: "self-test", "self-test (cached)", or why no self-test ran.</summary>
    public required string Source { get; init; }

    /// <summary>The CPU it holds for, in words.</summary>
    public required string Cpu { get; init; }

    /// <summary>When it was reached.</summary>
    public required DateTimeOffset TestedAt { get; init; }

    /// <summary>Wall time the self-test took, child processes included (0 when none ran).</summary>
    public required double Seconds { get; init; }

    /// <summary>One line per probe run: the caps tried and what the probe saw.</summary>
    public required IReadOnlyList<string> Log { get; init; }

    /// <summary>Whether probes ran and their outcome decided the caps (only such verdicts are cached).</summary>
    public bool Measured => Source.StartsWith("self-test", StringComparison.Ordinal);

    /// <summary>"ONEDNN_MAX_CPU_ISA=AVX (reason); ..." or "no caps (reason)".</summary>
    public string Explain() => Caps.Reasons.Count == 0
        ? $"no caps ({Source})"
        : string.Join("; ", CpuKernelLibrary.All.Where(l => Caps[l] is not null).Select(l => $"{l.Variable}={Caps[l]} ({Caps.Reasons.GetValueOrDefault(l.Variable, Source)})"));
}
