using EraseAtCore.Models;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>
/// How an unlearning run ended, in the words results record (<c>status</c> in results.json and in <c>unlearn</c>'s JSON).
/// A run the divergence guard stopped keeps its last good state; when that state is the Original itself, nothing was
/// unlearned, and a model saved or tabled under the method's name would be a copy of the Original passed off as a result.
/// </summary>
public static class UnlearnOutcome
{
    /// <summary>The run did every step it was given.</summary>
    public const string Completed = "completed";
    /// <summary>The guard stopped the run and kept a state past the Original's: a result, with its stop reason beside it.</summary>
    public const string StoppedEarly = "stopped-early";
    /// <summary>The guard kept no step: the weights are the Original's. Not a result: kept out of tables and verdicts, never saved as the method's model.</summary>
    public const string Diverged = "diverged";

    /// <summary>The outcome of <paramref name="result"/>, run from <paramref name="original"/>.</summary>
    public static string Of(UnlearnResult result, StagedModel original) =>
        result.StopReason is null ? Completed : SameWeights(result.Model, original) ? Diverged : StoppedEarly;

    /// <summary>True when both models have the same parameters, value for value.</summary>
    public static bool SameWeights(StagedModel a, StagedModel b)
    {
        using var scope = NewDisposeScope();
        return a.parameters().Zip(b.parameters()).All(p => p.First.shape.SequenceEqual(p.Second.shape) && p.First.eq(p.Second.to(p.First.device)).all().item<bool>());
    }
}
