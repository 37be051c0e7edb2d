using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>Settings of the relearning attack.</summary>
/// <param name="Steps">Fine-tuning steps k (each one SGD step on the whole slice).</param>
/// <param name="Images">Forget images in the slice the attacker fine-tunes on.</param>
/// <param name="LearningRate">SGD rate (momentum 0.9, no weight decay).</param>
/// <param name="Seed">Chooses the slice.</param>
public sealed record RelearningOptions(int Steps = 10, int Images = 32, double LearningRate = 0.01, int Seed = 0)
{
    /// <summary>Checks the values.</summary>
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"relearning steps must be at least 1, got {Steps}.");
        if (Images < 1) throw new ArgumentException($"relearning images must be at least 1, got {Images}.");
        if (!(LearningRate > 0)) throw new ArgumentException($"relearning learning rate must be positive, got {LearningRate}.");
    }
}

/// <summary>
/// The relearning attack (our addition to the paper's protocol): fine-tune a copy of an unlearned model for a
/// few steps on a small slice of forget images with their true labels, and measure after each step how well it
/// recognises forget images it was not shown. Knowledge that was only hidden at the logits returns within a few
/// steps; knowledge that is gone has to be learned again, about as slowly as for Retrain.
/// </summary>
public static class RelearningAttack
{
    /// <summary>
    /// Forget accuracy before the attack (entry 0) and after each of the k steps. Held-out forget images: the
    /// forget classes' test images in class-wise forgetting, else the forget-train images outside the slice.
    /// The model is not modified.
    /// </summary>
    public static IReadOnlyList<double> Run(StagedModel model, ForgetSplit split, Feed feed, RelearningOptions options)
    {
        options.Validate();
        var forget = split.Train.Forget;
        if (forget.Count == 0) throw new ArgumentException("The relearning attack needs forget images; the forget set is empty.");
        int take = Math.Min(options.Images, forget.Count);
        var order = Enumerable.Range(0, forget.Count).ToArray();
        new Random(options.Seed).Shuffle(order);
        var slice = forget.Subset(order[..take]);
        var heldOut = split.Test.Forget.Count > 0 ? split.Test.Forget
            : forget.Count > take ? forget.Subset(order[take..]) : slice;
        using var copy = ModelCopy.Of(model, feed.Device);
        var accuracies = new List<double> { Evaluate.Accuracy(copy, heldOut, feed) };
        using var optimizer = optim.SGD(copy.parameters(), options.LearningRate, 0.9);
        var batch = new BatchLoader(slice, new BatchOptions(take, Normalize: feed.Normalize), feed.Device).Epoch().Single();
        try
        {
            for (int step = 0; step < options.Steps; step++)
            {
                using (var scope = NewDisposeScope())
                {
                    copy.train();
                    optimizer.zero_grad();
                    nn.functional.cross_entropy(copy.forward(batch.Images), batch.Labels).backward();
                    optimizer.step();
                }
                accuracies.Add(Evaluate.Accuracy(copy, heldOut, feed));
            }
        }
        finally { batch.Images.Dispose(); batch.Labels.Dispose(); }
        return accuracies;
    }
}
