using EraseAtCore.Training;

namespace EraseAtCore.Unlearning;

/// <summary>What a method is created from.</summary>
/// <param name="Recipe">The Original's training recipe (Retrain trains with it; others ignore it).</param>
/// <param name="Options">The method's knobs as text (<c>--option key=value</c>).</param>
public sealed record MethodRequest(TrainConfig Recipe, MethodOptions Options);
