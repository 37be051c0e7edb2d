using EraseAtCore.Ec;
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

    /// <summary>
    /// Default shared settings. EC and the studied X+EC (RL, SalUn, SCRUB): the common step budget and the learning
    /// rate chosen by the selection sweep of docs/findings.md (X+EC over its host's lr grid); other X+EC: the host's;
    /// the baselines: their own (<see cref="UnlearningMethods.DefaultConfig"/>).
    /// </summary>
    public static UnlearnConfig DefaultConfig(string name)
    {
        string key = name.ToLowerInvariant();
        return key switch
        {
            "ec" => new UnlearnConfig { Steps = UnlearningMethods.StudyBudget, LearningRate = 0.02 },
            "rl+ec" => new UnlearnConfig { Steps = UnlearningMethods.StudyBudget, LearningRate = 0.01 },
            "salun+ec" => new UnlearnConfig { Steps = UnlearningMethods.StudyBudget, LearningRate = 0.02 },
            "scrub+ec" => new UnlearnConfig { Steps = UnlearningMethods.StudyBudget, LearningRate = 0.001 },
            _ when key.EndsWith("+ec", StringComparison.Ordinal) => UnlearningMethods.DefaultConfig(key[..^3]),
            _ => UnlearningMethods.DefaultConfig(key),
        };
    }

    /// <summary>
    /// Creates <paramref name="name"/>. For X+EC the options are shared by host and EC (each reads its own keys;
    /// unknown keys are refused). Retrain cannot take EC: it does not unlearn from the Original.
    /// </summary>
    public static IUnlearningMethod Create(string name, TrainConfig recipe, MethodOptions? options = null)
    {
        string key = name.ToLowerInvariant();
        var o = (options ?? MethodOptions.None).WithDefaults(DefaultKnobs(key));
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

    /// <summary>
    /// Knob defaults that differ for a plug-in from its host's own: the selection sweep of docs/findings.md chose
    /// SalUn's sparsity 0.3 for SalUn alone but 0.5 for SalUn+EC (0.3 measured worse there).
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefaultKnobs(string name) => name.ToLowerInvariant() switch
    {
        "salun+ec" => new Dictionary<string, string> { ["sparsity"] = "0.5" },
        _ => new Dictionary<string, string>(),
    };

    /// <summary>EC's options from method options (keys: points, a, b, ec-temperature, variant, ec-forget-negatives, ec-retain-as-targets, weighting, weights, last-model-head, embedding-dim, warmup-steps, train-heads, warmup-lr, modules).</summary>
    public static EcOptions ReadEc(MethodOptions o)
    {
        var d = new EcOptions();
        var weights = o.Numbers("weights");
        var ec = new EcOptions
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
            ModulesPath = o.Text("modules", d.ModulesPath),
        };
        ec.Validate();   // before any work: a bad value fails when the method is created
        return ec;
    }
}
