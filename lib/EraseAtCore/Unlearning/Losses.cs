using EraseAtCore.Data;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>Small loss helpers the methods share.</summary>
public static class Losses
{
    /// <summary>Cross-entropy of the model's logits on a batch.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels) => nn.functional.cross_entropy(logits, labels);

    /// <summary>
    /// Random labels different from the true ones: y' = (y + u) mod C with u uniform in 1..C-1, drawn
    /// from torch's seeded generator (so runs repeat).
    /// </summary>
    public static Tensor RandomOtherLabels(Tensor labels, int classes)
    {
        using var scope = NewDisposeScope();
        var shift = randint(1, classes, labels.shape, dtype: int64).to(labels.device);
        return labels.add(shift).remainder(classes).MoveToOuterDisposeScope();
    }

    /// <summary>Builds the named-terms dictionary the loop expects; the last argument is the total.</summary>
    public static IReadOnlyDictionary<string, Tensor> Terms(Tensor total, params (string Name, Tensor Value)[] terms)
    {
        var d = terms.ToDictionary(t => t.Name, t => t.Value);
        d["total"] = total;
        return d;
    }

    /// <summary>The model's logits on a batch (the step's memoised forward pass).</summary>
    public static Tensor Logits(StepInputs s, Batch batch) => s.Forward(batch).Logits;
}
