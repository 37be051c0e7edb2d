namespace EraseAtCore.Unlearning;

/// <summary>
/// FT: fine-tune the Original on the retain set only (cross-entropy), relying on catastrophic
/// forgetting to erase the forget set. One epoch = one pass over the retain set.
/// </summary>
public sealed class FineTune : LoopMethod, IDescribedMethod
{
    /// <summary>FT in the catalog; its budget and rate come from the selection sweep (docs/findings.md).</summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "ft", Label = "FT", TableOrder = 10, Cost = 3,
        DefaultConfig = new UnlearnConfig { Steps = UnlearnConfig.StudyBudget, LearningRate = 0.1 },
        Create = _ => new FineTune(),
        Ec = new EcHosting(),
    };

    /// <inheritdoc />
    public override string Name => Descriptor.Name;

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
