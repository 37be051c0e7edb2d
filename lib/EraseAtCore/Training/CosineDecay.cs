namespace EraseAtCore.Training;

/// <summary>
/// Cosine decay of a learning rate from its initial value to zero over a run, per optimiser step: the one schedule
/// training (<see cref="LearningRateSchedule.Cosine"/>) and unlearning (<c>UnlearnConfig.Cosine</c>) share.
/// </summary>
public static class CosineDecay
{
    /// <summary>The rate at <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public static double Rate(double initial, long step, long totalSteps) => initial * 0.5 * (1 + Math.Cos(Math.PI * step / Math.Max(1, totalSteps)));
}
