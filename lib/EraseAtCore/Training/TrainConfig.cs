using EraseAtCore.Data;

namespace EraseAtCore.Training;

/// <summary>Learning-rate schedule over the whole run.</summary>
public enum LearningRateSchedule
{
    /// <summary>Cosine decay from the initial rate to zero, per step.</summary>
    Cosine,
    /// <summary>Multiply by 0.1 at 50% and 75% of the epochs.</summary>
    Step,
    /// <summary>Keep the initial rate.</summary>
    Constant,
}

/// <summary>
/// The training recipe (SGD with momentum and weight decay). Retrain uses the same recipe on the
/// retain set only.
/// </summary>
public sealed record TrainConfig : ISgdRecipe
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 5;
    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; init; } = 0.05;
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; init; } = 5e-4;
    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;
    /// <summary>Seed of initialisation, shuffling and augmentation.</summary>
    public int Seed { get; init; }
    /// <summary>Training augmentation (null: none).</summary>
    public Augmentation? Augment { get; init; } = new(CropPadding: 2, HorizontalFlip: true);
    /// <summary>Report progress every this many steps (reading the loss costs a device sync).</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>Checks the values; errors say which option is wrong and what is allowed.</summary>
    public void Validate()
    {
        this.CheckShared("");
    }

    /// <summary>The learning rate at <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public double RateAt(long step, long totalSteps, int epoch) => Schedule switch
    {
        LearningRateSchedule.Cosine => CosineDecay.Rate(LearningRate, step, totalSteps),
        LearningRateSchedule.Step => LearningRate * (epoch >= 0.75 * Epochs ? 0.01 : epoch >= 0.5 * Epochs ? 0.1 : 1),
        _ => LearningRate,
    };
}
