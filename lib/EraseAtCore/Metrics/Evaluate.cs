using EraseAtCore.Data;
using EraseAtCore.Models;
using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>Logit-level evaluation of a model on an image set.</summary>
public static class Evaluate
{
    /// <summary>Fraction of <paramref name="set"/> classified correctly, in [0, 1] (NaN for an empty set).</summary>
    public static double Accuracy(StagedModel model, ImageSet set, Feed feed, int batchSize = 256)
    {
        if (set.Count == 0) return double.NaN;
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var inference = inference_mode();
            using var correct = zeros(1, dtype: int64, device: feed.Device);
            var loader = new BatchLoader(set, new BatchOptions(batchSize, Normalize: feed.Normalize), feed.Device);
            foreach (var batch in loader.Epoch())
            {
                using var scope = NewDisposeScope();
                correct.add_(model.forward(batch.Images).argmax(1).eq(batch.Labels).sum());
                batch.Images.Dispose(); batch.Labels.Dispose();
            }
            return correct.item<long>() / (double)set.Count;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Accuracy of each class on <paramref name="set"/> (NaN for classes without images).</summary>
    public static double[] PerClassAccuracy(StagedModel model, ImageSet set, Feed feed, int batchSize = 256)
    {
        using var predicted = Predict(model, set, feed, batchSize);
        var predictions = predicted.data<long>().ToArray();
        var correct = new int[set.ClassCount];
        var total = new int[set.ClassCount];
        for (int i = 0; i < set.Count; i++)
        {
            total[set.Labels[i]]++;
            if (predictions[i] == set.Labels[i]) correct[set.Labels[i]]++;
        }
        return total.Select((t, c) => t == 0 ? double.NaN : correct[c] / (double)t).ToArray();
    }

    /// <summary>The predicted class of every image of <paramref name="set"/>, in order (CPU, int64).</summary>
    public static Tensor Predict(StagedModel model, ImageSet set, Feed feed, int batchSize = 256)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var inference = inference_mode();
            var parts = new List<Tensor>();
            var loader = new BatchLoader(set, new BatchOptions(batchSize, Normalize: feed.Normalize), feed.Device);
            foreach (var batch in loader.Epoch())
            {
                using var scope = NewDisposeScope();
                parts.Add(model.forward(batch.Images).argmax(1).cpu().MoveToOuterDisposeScope());
                batch.Images.Dispose(); batch.Labels.Dispose();
            }
            if (parts.Count == 0) return empty(0, dtype: int64);
            var all = cat(parts, 0);
            foreach (var p in parts) p.Dispose();
            return all;
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
