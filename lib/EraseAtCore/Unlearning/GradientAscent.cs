namespace EraseAtCore.Unlearning;

/// <summary>
/// GA (a.k.a. NegGrad): gradient ascent on the forget set's cross-entropy, nothing else. Unbounded by
/// design, so it can diverge; the loop's guard stops it and keeps the last good state. Use a small rate.
/// </summary>
public sealed class GradientAscent : LoopMethod
{
    /// <inheritdoc />
    public override string Name => "ga";

    /// <inheritdoc />
    public override LoopPlan Plan(UnlearnContext context) => LoopPlan.Of(new LoopPass
    {
        Driver = EpochDriver.Forget,
        UsesForget = true,
        Loss = s =>
        {
            var ce = Losses.CrossEntropy(Losses.Logits(s, s.Forget!.Value), s.Forget.Value.Labels);
            return Losses.Terms(ce.neg(), ("forget_ce", ce));
        },
    });
}
