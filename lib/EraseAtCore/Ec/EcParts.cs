using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Unlearning;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Ec;

/// <summary>What EC adds to a run: its objective and the heads it trains (a companion of the loop, owned by the plan).</summary>
/// <param name="Objective">The loss.</param>
/// <param name="Heads">The auxiliary heads (null when every point uses the model's own head).</param>
/// <param name="WarmupLoss">Mean head cross-entropy at the end of the warm-up (NaN when there was none).</param>
/// <param name="HeadsTrain">Whether the heads keep training during unlearning.</param>
public sealed record EcParts(EcObjective Objective, AuxiliaryHeads? Heads, double WarmupLoss, bool HeadsTrain = true)
{
    /// <summary>
    /// Resolves the points and weights, builds the heads on the Original's stage shapes and warms them up.
    /// The Original is only read.
    /// </summary>
    public static EcParts Prepare(UnlearnContext context, EcOptions options)
    {
        options.Validate();
        context.Config.Validate();
        var model = context.Original;
        var (points, headStages) = SupervisionPoints(model, options);
        var weights = LayerWeights.For(options.Weighting, points.Count, options.Weights);
        string last = model.StageNames[^1];
        if (context.Split.Train.Retain.Count == 0) throw new ArgumentException("EC needs retain images (for its cross-entropy and as contrastive partners); the retain set is empty.");
        if (context.Split.Train.Forget.Count == 0) throw new ArgumentException("EC needs forget images; the forget set is empty.");
        AuxiliaryHeads? heads = null;
        double warmup = double.NaN;
        if (headStages.Count > 0)
        {
            // The heads' first weights follow from the run's seed alone. Unseeded, they came from whatever had drawn random
            // numbers before in the process, so a run that trained its Original got other heads (and another EC model)
            // than the same run resumed with the Original from the cache, and `unlearn --method ec` differed run to run.
            Seeding.Seed(context.Config.Seed);
            using (var scope = NewDisposeScope())
            {
                var sample = new BatchLoader(context.Split.Train.Retain, new BatchOptions(2, Normalize: context.Feed.Normalize), context.Feed.Device).Epoch().First();
                heads = AuxiliaryHeads.Create(model, sample.Images, headStages, options.EmbeddingDim);
            }
            heads.to(context.Feed.Device);
            warmup = options.ModulesPath is { } modules
                ? EcModules.LoadInto(modules, heads, model, options.EmbeddingDim).FinalLoss
                : HeadWarmup.Run(model, heads, context.Split.Train.Retain, context.Feed,
                    new HeadWarmupSettings(options.WarmupSteps, options.WarmupLearningRate, context.Config.BatchSize, context.Config.Seed + 17));
        }
        if (heads is not null && !options.TrainHeads)
        {
            // Frozen heads: fixed functions of the features (BatchNorm on its warm-up statistics).
            heads.eval();
            foreach (var p in heads.parameters()) p.requires_grad_(false);
        }
        return new EcParts(new EcObjective(options, points, weights, heads, last), heads, warmup, options.TrainHeads);
    }

    /// <summary>
    /// EC's supervision points on <paramref name="model"/> (the given ones or every stage, shallowest first) and the
    /// stages among them that need an auxiliary head (all but the last when it uses the model's own classifier).
    /// </summary>
    /// <exception cref="ArgumentException">A point is not a stage of the model, or repeats one.</exception>
    public static (IReadOnlyList<string> Points, IReadOnlyList<string> HeadStages) SupervisionPoints(StagedModel model, EcOptions options)
    {
        var stages = model.StageNames.ToList();
        var points = options.Points ?? stages;
        foreach (var p in points)
            if (!stages.Contains(p))
                throw new ArgumentException($"EC supervision point '{p}' is not a stage of {model.Spec.Architecture}; its stages are {string.Join(", ", stages)}.");
        if (points.Distinct().Count() != points.Count) throw new ArgumentException($"EC supervision points repeat a stage: {string.Join(", ", points)}.");
        // Shallowest first, whatever order the user typed.
        var ordered = points.OrderBy(stages.IndexOf).ToList();
        return (ordered, ordered.Where(p => !(p == stages[^1] && options.LastPointUsesModelHead)).ToList());
    }

    /// <summary>The heads as loop companions when they train (empty when there are none or they are frozen).</summary>
    public IReadOnlyList<TorchSharp.torch.nn.Module> Companions => Heads is null || !HeadsTrain ? [] : [Heads];

    /// <summary>The heads as resources the run owns (disposed at its end).</summary>
    public IReadOnlyList<IDisposable> Owned => Heads is null ? [] : [Heads];
}
