using EraseAtCore.Data;
using EraseAtCore.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Ec;

/// <summary>
/// Trains fresh auxiliary heads on retain data with the backbone frozen (the Original's features, computed
/// without gradients in eval mode), so the heads' classifiers make sense before their gradients reach the
/// backbone. Only the heads change.
/// </summary>
public static class HeadWarmup
{
    /// <summary>
    /// Runs <see cref="HeadWarmupSettings.Steps"/> SGD steps (momentum 0.9, constant rate) of the heads' cross-entropy on
    /// shuffled retain batches. Returns the mean loss of the last 10 steps (NaN when no step ran).
    /// </summary>
    public static double Run(StagedModel backbone, AuxiliaryHeads heads, ImageSet retain, Feed feed, HeadWarmupSettings settings)
    {
        var (steps, learningRate, batchSize, seed) = settings;
        if (steps == 0) return double.NaN;
        bool wasTraining = backbone.training;
        backbone.eval();
        heads.train();
        var stages = heads.Stages.ToArray();
        using var optimizer = optim.SGD(heads.parameters(), learningRate, 0.9);
        var loader = new BatchLoader(retain, new BatchOptions(batchSize, Shuffle: true, seed, feed.Normalize), feed.Device);
        var recent = new Queue<Tensor>();
        int done = 0;
        try
        {
            for (int epoch = 1; done < steps; epoch++)
                foreach (var batch in loader.Epoch(epoch))
                {
                    using (var scope = NewDisposeScope())
                    {
                        Dictionary<string, Tensor> features;
                        using (no_grad())
                            features = backbone.ForwardWithStages(batch.Images, stages).Stages.ToDictionary(kv => kv.Key, kv => kv.Value);
                        optimizer.zero_grad();
                        var loss = stages.Select(st => nn.functional.cross_entropy(heads[st].Apply(features[st]).Logits, batch.Labels))
                                         .Aggregate((a, b) => a.add(b));
                        loss.backward();
                        optimizer.step();
                        recent.Enqueue(loss.detach().DetachFromDisposeScope());
                        if (recent.Count > 10) recent.Dequeue().Dispose();
                    }
                    batch.Images.Dispose(); batch.Labels.Dispose();
                    if (++done == steps) break;
                }
            return recent.Average(t => t.item<float>()) / stages.Length;
        }
        finally
        {
            foreach (var t in recent) t.Dispose();
            backbone.train(wasTraining);
        }
    }
}
