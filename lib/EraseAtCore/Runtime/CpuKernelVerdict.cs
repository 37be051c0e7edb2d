using System.Text.Json.Serialization;

namespace EraseAtCore.Runtime;

/// <summary>How a verdict was reached.</summary>
public enum CpuVerdictStatus
{
    /// <summary>The probe passed under the verdict's caps: the only status that is cached.</summary>
    Passed,

    /// <summary>The probe still failed with every cap it may lower at its lowest (a value the user set, or a broken machine).</summary>
    StillFailing,

    /// <summary>No probe decided it: not needed here, switched off, or the probe is missing or cannot start.</summary>
    NotTested,
}

/// <summary>Which caps a machine needs and why: the outcome of the CPU self-test, as cached and as reported.</summary>
public sealed record CpuKernelVerdict
{
    /// <summary>The caps to apply (variables the user set are among them, with "set by you" as reason).</summary>
    public required CpuKernelCaps Caps { get; init; }

    /// <summary>How it was reached.</summary>
    public required CpuVerdictStatus Status { get; init; }

    /// <summary>In words: "self-test", or why no self-test decided it, or what still fails.</summary>
    public required string Source { get; init; }

    /// <summary>The CPU it holds for, in words.</summary>
    public required string Cpu { get; init; }

    /// <summary>When it was reached.</summary>
    public required DateTimeOffset TestedAt { get; init; }

    /// <summary>Wall time the self-test took, child processes included (0 when none ran).</summary>
    public required double Seconds { get; init; }

    /// <summary>One line per probe run: the caps tried and what the probe saw.</summary>
    public required IReadOnlyList<string> Log { get; init; }

    /// <summary>Whether this process read it from the cache rather than testing (not stored).</summary>
    [JsonIgnore] public bool FromCache { get; init; }

    /// <summary>Whether libtorch was already loaded when the caps were to be set, so they may not be in force here (not stored).</summary>
    [JsonIgnore] public bool TooLate { get; init; }

    /// <summary>The source with how this process came by it: "self-test (cached)".</summary>
    public string Origin => Source + (FromCache ? " (cached)" : "") + (TooLate ? " (too late for this process: libtorch was already loaded)" : "");

    /// <summary>"ONEDNN_MAX_CPU_ISA=AVX (reason); ..." or "no caps (origin)".</summary>
    public string Explain() => Caps.Reasons.Count == 0
        ? $"no caps ({Origin})"
        : string.Join("; ", CpuKernelLibrary.All.Where(l => Caps[l] is not null).Select(l => $"{l.Variable}={Caps[l]} ({Caps.Reasons.GetValueOrDefault(l.Variable, Origin)})"));
}
