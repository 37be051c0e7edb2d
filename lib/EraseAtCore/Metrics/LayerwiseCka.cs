using EraseAtCore.Data;
using EraseAtCore.Models;
using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>
/// CKA stage by stage between two models on the same images: how much of each stage's representation an
/// unlearning method changed (UUEF's per-layer plot), e.g. unlearned vs original, or unlearned vs retrained.
/// </summary>
public static class LayerwiseCka
{
    /// <summary>CKA of every stage both feature sets have, in <paramref name="a"/>'s stage order.</summary>
    public static IReadOnlyDictionary<string, double> Compare(StageFeatures a, StageFeatures b, CkaKernel kernel = CkaKernel.Linear, bool debiased = false) =>
        Compare(a, b, new CkaSettings(kernel, debiased));

    /// <summary>CKA of every stage both feature sets have, in <paramref name="a"/>'s stage order, under <paramref name="settings"/>.</summary>
    /// <exception cref="ArgumentException">The two were not extracted from the same images in the same order, or share no stage.</exception>
    public static IReadOnlyDictionary<string, double> Compare(StageFeatures a, StageFeatures b, CkaSettings settings)
    {
        // CKA pairs row i of one with row i of the other: a different image set or order gives a meaningless number.
        if (a.Count != b.Count)
            throw new ArgumentException($"The feature sets hold {a.Count} and {b.Count} images; CKA needs the same images in the same order.");
        using (NewDisposeScope())
            if (!a.Labels.eq(b.Labels).all().item<bool>())
                throw new ArgumentException("The feature sets' labels differ: they were not extracted from the same images in the same order.");
        var common = a.Stages.Keys.Where(b.Stages.ContainsKey).ToList();
        if (common.Count == 0)
            throw new ArgumentException($"No stage in common: one has {string.Join(", ", a.Stages.Keys)}, the other {string.Join(", ", b.Stages.Keys)}.");
        var result = new Dictionary<string, double>();
        foreach (var stage in common) result[stage] = settings.Compute(a.Stages[stage], b.Stages[stage]);
        return result;
    }

    /// <summary>
    /// Runs both models once over <paramref name="set"/> (<see cref="FeatureExtractor.Extract"/>), then compares the
    /// stages both have (default: all of them; for two models of one architecture, every stage). CKA is computed on
    /// the CPU, where the features are kept.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Compare(StagedModel a, StagedModel b, ImageSet set, Feed feed,
        CkaSettings? settings = null, IReadOnlyCollection<string>? stages = null, FeatureForm form = FeatureForm.Pooled, int batchSize = 256)
    {
        var wanted = stages ?? a.StageNames.Where(b.StageNames.Contains).ToArray();
        if (wanted.Count == 0)
            throw new ArgumentException($"No stage in common: one model has {string.Join(", ", a.StageNames)}, the other {string.Join(", ", b.StageNames)}.");
        using var featuresA = FeatureExtractor.Extract(a, set, feed, wanted, form, batchSize);
        using var featuresB = FeatureExtractor.Extract(b, set, feed, wanted, form, batchSize);
        return Compare(featuresA, featuresB, settings ?? new CkaSettings());
    }
}
