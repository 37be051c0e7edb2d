namespace EraseAtCore.Training;

/// <summary>Progress of a training run, reported every few steps and at the end of each epoch.</summary>
/// <param name="Epoch">Current epoch, 1-based.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Step">Step within the epoch, 1-based.</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="Loss">Mean training loss since the start of the epoch.</param>
/// <param name="TrainAccuracy">Training accuracy since the start of the epoch (augmented batches), in [0, 1].</param>
/// <param name="TestAccuracy">Test accuracy at the end of the epoch, when evaluated; else null.</param>
/// <param name="Elapsed">Time since the start of the run.</param>
public sealed record TrainProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, double Loss, double TrainAccuracy,
    double? TestAccuracy, TimeSpan Elapsed)
{
    /// <summary>Fraction of the whole run done, in [0, 1].</summary>
    public double Fraction => ((Epoch - 1) * (double)StepsPerEpoch + Step) / ((double)Epochs * StepsPerEpoch);

    /// <summary>Estimated time left, from the pace so far.</summary>
    public TimeSpan Remaining => Fraction <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Elapsed.TotalSeconds * (1 - Fraction) / Fraction);

    /// <summary>True for the report made after an epoch's evaluation.</summary>
    public bool EndOfEpoch => TestAccuracy.HasValue;
}

/// <summary>What a training run did.</summary>
/// <param name="Epochs">Per-epoch summaries.</param>
/// <param name="Elapsed">Wall time of the run.</param>
public sealed record TrainResult(IReadOnlyList<TrainProgress> Epochs, TimeSpan Elapsed)
{
    /// <summary>Test accuracy after the last epoch (NaN when there was no test set).</summary>
    public double FinalTestAccuracy => Epochs.Count > 0 ? Epochs[^1].TestAccuracy ?? double.NaN : double.NaN;
}
