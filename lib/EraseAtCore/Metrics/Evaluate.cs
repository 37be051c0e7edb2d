using EraseAtCore.Data;
using EraseAtCore.Models;
using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>Logit-level evaluation of a model on an image set.</summary>
public static class Evaluate
{
    /// <summary>Fraction of <paramref name="set"/> classified correctly, in [0, 1] (NaN for an empty set).</summary>
    public static double Accuracy(StagedModel model, ImageSet set, Normalization normalize, Device device, int batchSize = 256)
    {
        if (set.Count == 0) return double.NaN;
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var inference = inference_mode();
            using var correct = zeros(1, dtype: int64, device: device);
            var loader = new BatchLoader(set, new BatchOptions(batchSize, Normalize: normalize), device);
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
}
