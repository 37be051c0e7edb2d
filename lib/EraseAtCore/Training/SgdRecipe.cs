namespace EraseAtCore.Training;

/// <summary>
/// The settings every SGD run of the kit has, training (<see cref="TrainConfig"/>) and unlearning
/// (<c>UnlearnConfig</c>) alike, so both are checked by one rule with the same words.
/// </summary>
public interface ISgdRecipe
{
    /// <summary>Passes over the run's data.</summary>
    int Epochs { get; }
    /// <summary>Images per batch.</summary>
    int BatchSize { get; }
    /// <summary>(Initial) learning rate.</summary>
    double LearningRate { get; }
    /// <summary>SGD momentum.</summary>
    double Momentum { get; }
    /// <summary>L2 weight decay.</summary>
    double WeightDecay { get; }
    /// <summary>Report progress every this many steps.</summary>
    int LogEvery { get; }
}

/// <summary>The checks of <see cref="ISgdRecipe"/>.</summary>
public static class SgdRecipe
{
    /// <summary>
    /// Checks the shared settings; errors name the setting and what is allowed. <paramref name="run"/> names the run in
    /// them ("" for training, "unlearning " for unlearning).
    /// </summary>
    public static void CheckShared(this ISgdRecipe recipe, string run)
    {
        if (recipe.Epochs <= 0) throw new ArgumentException($"{run}epochs must be at least 1, got {recipe.Epochs}.");
        if (recipe.BatchSize <= 0) throw new ArgumentException($"{run}batch size must be at least 1, got {recipe.BatchSize}.");
        if (!(recipe.LearningRate > 0) || double.IsInfinity(recipe.LearningRate)) throw new ArgumentException($"{run}learning rate must be positive, got {recipe.LearningRate}.");
        if (!(recipe.Momentum >= 0 && recipe.Momentum < 1)) throw new ArgumentException($"{run}momentum must be in [0, 1), got {recipe.Momentum}.");
        if (!(recipe.WeightDecay >= 0) || double.IsInfinity(recipe.WeightDecay)) throw new ArgumentException($"{run}weight decay must be 0 or positive, got {recipe.WeightDecay}.");
        if (recipe.LogEvery <= 0) throw new ArgumentException($"{run}log interval must be at least 1, got {recipe.LogEvery}.");
    }
}
