using EraseAtCore.Core;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;

namespace EraseAtCore.Experiments;

/// <summary>
/// Every method the kit runs, by the name results use: the baselines, EC, and the plug-ins X+EC. It lives
/// here, above Unlearning and Core, because it is the one place that knows both.
/// </summary>
public static class MethodCatalog
{
    /// <summary>The hosts EC plugs into by default (the issue's and the paper's choice).</summary>
    public static IReadOnlyList<string> PlugInHosts { get; } = ["rl", "salun", "scrub", "neggrad+"];

    /// <summary>Every method name, in the order tables list them (the Original is not a method).</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. UnlearningMethods.Names, "ec", .. PlugInHosts.Select(h => h + "+ec")];

    /// <summary>Default shared settings: the host's for X+EC, tuned values for EC, the baselines' own otherwise.</summary>
    public static UnlearnConfig DefaultConfig(string name)
    {
        string key = name.ToLowerInvariant();
        if (key == "ec") return new UnlearnConfig { Epochs = 5, LearningRate = 0.05 };
        if (key.EndsWith("+ec", StringComparison.Ordinal)) return UnlearningMethods.DefaultConfig(key[..^3]);
        return UnlearningMethods.DefaultConfig(key);
    }

    /// <summary>
    /// Creates <paramref name="name"/>. For X+EC the options are shared by host and EC (each reads its own keys;
    /// unknown keys are refused). Retrain cannot take EC: it does not unlearn from the Original.
    /// </summary>
    public static IUnlearningMethod Create(string name, TrainConfig recipe, MethodOptions? options = null)
    {
        var o = options ?? MethodOptions.None;
        string key = name.ToLowerInvariant();
        if (key == "ec")
        {
            var ec = new EraseAtTheCore(ReadEc(o));
            o.EnsureAllUsed(key);
            return ec;
        }
        if (key.EndsWith("+ec", StringComparison.Ordinal))
        {
            var ecOptions = ReadEc(o);
            var host = UnlearningMethods.Create(key[..^3], recipe, o, checkUnused: false);
            o.EnsureAllUsed(key);
            return host is LoopMethod loop ? new EcPlugin(loop, ecOptions)
                : throw new ArgumentException($"EC cannot plug into '{host.Name}': it does not unlearn from the Original with the shared loop.");
        }
        if (!UnlearningMethods.Names.Contains(key))
            throw new ArgumentException($"Unknown unlearning method '{name}'. Known: {string.Join(", ", Names)} (or any loop baseline + \"+ec\").");
        return UnlearningMethods.Create(key, recipe, o);
    }

    /// <summary>EC's options from method options (keys: points, a, b, ec-temperature, variant, ec-forget-negatives, ec-retain-as-targets, weighting, weights, last-model-head, embedding-dim, warmup-steps, train-heads, warmup-lr).</summary>
    public static EcOptions ReadEc(MethodOptions o)
    {
        var d = new EcOptions();
        var weights = o.Numbers("weights");
        return new EcOptions
        {
            Points = o.List("points"),
            A = o.Double("a", d.A),
            B = o.Double("b", d.B),
            Temperature = o.Double("ec-temperature", d.Temperature),
            Variant = o.Choice("variant", d.Variant),
            ForgetNegatives = o.Bool("ec-forget-negatives", d.ForgetNegatives),
            RetainAsTargets = o.Bool("ec-retain-as-targets", d.RetainAsTargets),
            Weighting = o.Choice("weighting", weights is null ? d.Weighting : LayerWeighting.Explicit),
            Weights = weights,
            LastPointUsesModelHead = o.Bool("last-model-head", d.LastPointUsesModelHead),
            EmbeddingDim = o.Int("embedding-dim", d.EmbeddingDim),
            WarmupSteps = o.Int("warmup-steps", d.WarmupSteps),
            TrainHeads = o.Bool("train-heads", d.TrainHeads),
            WarmupLearningRate = o.Double("warmup-lr", d.WarmupLearningRate),
        };
    }
}
