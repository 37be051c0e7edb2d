namespace EraseAtCore.Unlearning;

/// <summary>
/// GA (a.k.a. NegGrad): gradient ascent on the forget set's cross-entropy, nothing else. Unbounded by
/// design, so it can diverge; the loop's guard stops it and keeps the last good state. Use a small rate.
/// </summary>
public sealed class GradientAscent : LoopMethod, IDescribedMethod
{
    /// <summary>GA in the catalog; its settings were picked on the quick preset to forget at the logits without wrecking the retain set.</summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "ga", Label = "GA", TableOrder = 20,
        DefaultConfig = new UnlearnConfig { Epochs = 3, LearningRate = 1e-3 },
        Create = _ => new GradientAscent(),
        Ec = new EcHosting(),
    };

    /// <inheritdoc />
    public override string Name => Descriptor.Name;

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
