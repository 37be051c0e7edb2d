using EraseAtCore.Training;

namespace EraseAtCore.Unlearning;

/// <summary>
/// The optimisation settings every unlearning method shares (SGD with momentum, a constant or cosine
/// rate, epochs over the method's data, batch size, seed). Method-specific knobs live in each method's
/// own options record.
/// </summary>
public sealed record UnlearnConfig : ISgdRecipe
{
    /// <summary>
    /// The step budget every studied method gets by default (100 steps: 20 passes over the quick preset's forget
    /// set, about 2.3 over its retain set). Equal steps, not equal epochs, make methods driven by different sets comparable.
    /// </summary>
    public const int StudyBudget = 100;

    /// <summary>Passes over the method's driving data (the forget set for GA, the retain set for FT, ...).</summary>
    public int Epochs { get; init; } = 5;
    /// <summary>
    /// A step budget that replaces <see cref="Epochs"/> when set: the loop runs passes, epoch after epoch, until
    /// this many optimiser steps are done, and the cosine decays over them. Methods whose epochs sweep different
    /// sets (the forget set for RL, the retain set for FT) get the same number of updates this way.
    /// </summary>
    public int? Steps { get; init; }
    /// <summary>Images per batch (forget and retain batches alike).</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 0.01;
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; init; } = 5e-4;
    /// <summary>Decay the rate to zero with a cosine over the run (else constant).</summary>
    public bool Cosine { get; init; } = true;
    /// <summary>Seed of shuffling, random labels and anything else random.</summary>
    public int Seed { get; init; }
    /// <summary>Report progress every this many steps.</summary>
    public int LogEvery { get; init; } = 10;
    /// <summary>Stop as diverged when the parameters' L2 norm grows past this multiple of the Original's.</summary>
    public double MaxWeightNormRatio { get; init; } = 10;

    /// <summary>Checks the values; errors name the option and what is allowed.</summary>
    public void Validate()
    {
        this.CheckShared("unlearning ");
        if (Steps is <= 0) throw new ArgumentException($"the unlearning step budget must be at least 1, got {Steps}.");
        if (!(MaxWeightNormRatio > 1)) throw new ArgumentException($"the divergence guard's weight-norm ratio must be above 1, got {MaxWeightNormRatio}.");
    }
}
