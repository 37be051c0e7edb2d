using EraseAtCore.Training;

namespace EraseAtCore.Unlearning;

/// <summary>The methods by name, as the CLI and the experiment runner ask for them.</summary>
public static class UnlearningMethods
{
    /// <summary>Names of the baselines, in the order tables list them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["retrain", "ft", "ga", "neggrad+", "rl"];

    /// <summary>Default settings per method, tuned once on the quick preset (documented in the README).</summary>
    public static UnlearnConfig DefaultConfig(string name) => name switch
    {
        "ga" => new UnlearnConfig { Epochs = 3, LearningRate = 1e-3 },
        "neggrad+" => new UnlearnConfig { Epochs = 2, LearningRate = 0.01 },
        "rl" => new UnlearnConfig { Epochs = 5, LearningRate = 0.01 },
        "ft" => new UnlearnConfig { Epochs = 3, LearningRate = 0.02 },
        _ => new UnlearnConfig(),
    };

    /// <summary>Creates the method called <paramref name="name"/>; <paramref name="recipe"/> is the Original's (for Retrain).</summary>
    public static IUnlearningMethod Create(string name, TrainConfig recipe) => name.ToLowerInvariant() switch
    {
        "retrain" => new Retrain(recipe),
        "ft" => new FineTune(),
        "ga" => new GradientAscent(),
        "neggrad+" => new NegGradPlus(),
        "rl" => new RandomLabels(),
        _ => throw new ArgumentException($"Unknown unlearning method '{name}'. Known: {string.Join(", ", Names)}."),
    };
}
