namespace EraseAtCore.Unlearning;

/// <summary>
/// FT: fine-tune the Original on the retain set only (cross-entropy), relying on catastrophic
/// forgetting to erase the forget set. One epoch = one pass over the retain set.
/// </summary>
public sealed class FineTune : LoopMethod
{
    /// <inheritdoc />
    public override string Name => "ft";

    /// <inheritdoc />
    public override LoopPlan Plan(UnlearnContext context) => LoopPlan.Of(new LoopPass
    {
        Driver = EpochDriver.Retain,
        UsesRetain = true,
        Loss = s =>
        {
            var ce = Losses.CrossEntropy(Losses.Logits(s, s.Retain!.Value), s.Retain.Value.Labels);
            return Losses.Terms(ce, ("retain_ce", ce));
        },
    });
}
