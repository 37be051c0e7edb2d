namespace EraseAtCore.Unlearning;

/// <summary>
/// RL (random labelling, Golatkar et al. 2020; as in the SalUn code): train on the forget set with random
/// wrong labels together with the retain set with true labels: loss = CE(forget, random) + CE(retain).
/// One epoch = one pass over the forget set.
/// </summary>
public sealed class RandomLabels : LoopMethod, IDescribedMethod
{
    /// <summary>RL in the catalog; its rate and RL+EC's come from the selection sweep (docs/findings.md).</summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "rl", Label = "RL", TableOrder = 40,
        DefaultConfig = new UnlearnConfig { Steps = UnlearnConfig.StudyBudget, LearningRate = 0.02 },
        Create = _ => new RandomLabels(),
        Ec = new EcHosting(DefaultGridOrder: 0, new UnlearnConfig { Steps = UnlearnConfig.StudyBudget, LearningRate = 0.01 }),
    };

    /// <inheritdoc />
    public override string Name => Descriptor.Name;

    /// <summary>The RL loop plan (SalUn reuses it with a gradient mask).</summary>
    public override LoopPlan Plan(UnlearnContext context) => LoopPlan.Of(Pass(context.Split.Data.ClassCount));

    /// <summary>RL's one pass: random wrong labels on forget batches, true labels on retain batches.</summary>
    internal static LoopPass Pass(int classes)
    {
        return new LoopPass
        {
            Driver = EpochDriver.Forget,
            UsesForget = true,
            UsesRetain = true,
            Loss = s =>
            {
                var forget = s.Forget!.Value;
                var relabelled = Losses.CrossEntropy(Losses.Logits(s, forget), Losses.RandomOtherLabels(forget.Labels, classes));
                var retain = Losses.CrossEntropy(Losses.Logits(s, s.Retain!.Value), s.Retain.Value.Labels);
                return Losses.Terms(relabelled.add(retain), ("forget_random_ce", relabelled), ("retain_ce", retain));
            },
        };
    }
}
