using EraseAtCore.Models;

namespace EraseAtCore.Unlearning;

/// <summary>Losses of one logged step of an unlearning run.</summary>
/// <param name="Epoch">Epoch, 1-based.</param>
/// <param name="Step">Step within the epoch, 1-based.</param>
/// <param name="Losses">Named loss terms of that step (e.g. "retain_ce", "forget_ce", "total").</param>
public sealed record UnlearnLogEntry(int Epoch, int Step, IReadOnlyDictionary<string, double> Losses);

/// <summary>Progress of an unlearning run, for progress bars.</summary>
/// <param name="Epoch">Epoch, 1-based.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Step">Step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="Losses">The latest logged losses.</param>
/// <param name="Elapsed">Time since the start.</param>
/// <param name="GlobalStep">Steps done so far (0 when unknown).</param>
/// <param name="TotalSteps">Steps of the whole run (0 when unknown: epochs are then assumed equal).</param>
public sealed record UnlearnProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, IReadOnlyDictionary<string, double> Losses, TimeSpan Elapsed,
    long GlobalStep = 0, long TotalSteps = 0)
{
    /// <summary>Fraction done, in [0, 1].</summary>
    public double Fraction => TotalSteps > 0 ? GlobalStep / (double)TotalSteps
        : ((Epoch - 1) * (double)StepsPerEpoch + Step) / ((double)Epochs * StepsPerEpoch);
}

/// <summary>What an unlearning method returns.</summary>
/// <param name="Model">The unlearned model: the Original's architecture, a new module (the Original is untouched). Caller disposes.</param>
/// <param name="Method">The method's name.</param>
/// <param name="Log">Losses at logged steps.</param>
/// <param name="Elapsed">Wall time of the run.</param>
/// <param name="StopReason">Null when the run completed; else why it stopped early (e.g. divergence), with the last good state kept.</param>
public sealed record UnlearnResult(StagedModel Model, string Method, IReadOnlyList<UnlearnLogEntry> Log, TimeSpan Elapsed, string? StopReason)
{
    /// <summary>True when the divergence guard stopped the run.</summary>
    public bool Diverged => StopReason is not null;
}
