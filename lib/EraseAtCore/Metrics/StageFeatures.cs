using EraseAtCore.Data;
using EraseAtCore.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>
/// Features of one model on one image set, computed once and shared by CKA, probes, k-NN and MIA:
/// per stage an n x d float32 matrix on the CPU, plus the logits and labels. Dispose it when done.
/// </summary>
public sealed class StageFeatures : IDisposable
{
    internal StageFeatures(IReadOnlyDictionary<string, Tensor> stages, Tensor logits, Tensor labels, FeatureForm form)
    {
        Stages = stages; Logits = logits; Labels = labels; Form = form;
    }

    /// <summary>Stage name to its n x d feature matrix (CPU, float32), in the model's stage order.</summary>
    public IReadOnlyDictionary<string, Tensor> Stages { get; }
    /// <summary>n x classes logits (CPU, float32).</summary>
    public Tensor Logits { get; }
    /// <summary>n labels (CPU, int64).</summary>
    public Tensor Labels { get; }
    /// <summary>How the stage outputs were reduced.</summary>
    public FeatureForm Form { get; }
    /// <summary>Number of images.</summary>
    public long Count => Labels.shape[0];

    /// <summary>Disposes every tensor held.</summary>
    public void Dispose()
    {
        foreach (var t in Stages.Values) t.Dispose();
        Logits.Dispose();
        Labels.Dispose();
    }
}

/// <summary>Runs a model over an image set once, keeping the chosen stages' outputs (reduced per <see cref="FeatureForm"/>).</summary>
public static class FeatureExtractor
{
    /// <summary>Extracts features of <paramref name="stages"/> (default: all) for every image of <paramref name="set"/>, in order.</summary>
    public static StageFeatures Extract(StagedModel model, ImageSet set, Feed feed,
        IReadOnlyCollection<string>? stages = null, FeatureForm form = FeatureForm.Pooled, int batchSize = 256)
    {
        var wanted = (stages ?? model.StageNames).ToArray();
        bool wasTraining = model.training;
        model.eval();
        var parts = wanted.ToDictionary(s => s, _ => new List<Tensor>());
        var logitParts = new List<Tensor>();
        var labelParts = new List<Tensor>();
        try
        {
            using var inference = inference_mode();
            var loader = new BatchLoader(set, new BatchOptions(batchSize, Normalize: feed.Normalize), feed.Device);
            foreach (var batch in loader.Epoch())
            {
                using var scope = NewDisposeScope();
                var output = model.ForwardWithStages(batch.Images, wanted);
                foreach (var name in wanted)
                    parts[name].Add(StageReduction.Reduce(output.Stages[name], form).cpu().MoveToOuterDisposeScope());
                logitParts.Add(output.Logits.cpu().MoveToOuterDisposeScope());
                labelParts.Add(batch.Labels.cpu().MoveToOuterDisposeScope());
                batch.Images.Dispose(); batch.Labels.Dispose();
            }
            var result = wanted.ToDictionary(s => s, s => Concat(parts[s]));
            return new StageFeatures(result, Concat(logitParts), Concat(labelParts), form);
        }
        finally
        {
            model.train(wasTraining);
        }
    }


    static Tensor Concat(List<Tensor> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("The image set is empty: there is nothing to extract.");
        var whole = cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return whole;
    }
}
