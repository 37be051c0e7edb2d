using EraseAtCore.Data;
using EraseAtCore.Models;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>Everything a method needs: the Original, the forget request, how images reach the model, the shared settings.</summary>
/// <param name="Original">The trained model to unlearn from (never modified).</param>
/// <param name="Split">The forget request (forget/retain views of train and test).</param>
/// <param name="Feed">How images reach the model: the Original's input normalisation and where to compute.</param>
/// <param name="Config">Shared optimisation settings.</param>
/// <param name="Progress">Receives progress every few steps (null: silent).</param>
public sealed record UnlearnContext(StagedModel Original, ForgetSplit Split, Feed Feed, UnlearnConfig Config,
    Action<UnlearnProgress>? Progress = null)
{
    /// <summary>
    /// Called by <see cref="UnlearningLoop"/> at the end of every step (after the optimiser update, the step's
    /// logging when it is a log point, and the release of its batches) with the 0-based global index of that step.
    /// Meant for timing (<c>erase-core bench unlearn</c> reads a clock in it): the loop reads no value and does no
    /// device synchronisation for it, so a run with the hook does the same work as one without. Null: not called.
    /// </summary>
    public Action<long>? StepDone { get; init; }
}

/// <summary>
/// One unlearning method. Every method has this one verb (as scikit-learn estimators share theirs):
/// take the Original and a forget request, return a model of the same architecture.
/// </summary>
public interface IUnlearningMethod
{
    /// <summary>The method's short name, as the CLI and results use it (e.g. "rl", "salun", "neggrad+").</summary>
    string Name { get; }

    /// <summary>
    /// The method's own settings as it will use them, defaults included (e.g. <c>SalUnOptions</c>), or null when it
    /// has none. Run caches fingerprint it, so a changed default can never serve a model made under the old one.
    /// </summary>
    object? Settings => null;

    /// <summary>Unlearns; the Original stays unchanged.</summary>
    UnlearnResult Unlearn(UnlearnContext context);
}
