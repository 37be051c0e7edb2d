namespace EraseAtCore.Unlearning;

/// <summary>
/// RL (random labelling, Golatkar et al. 2020; as in the SalUn code): train on the forget set with random
/// wrong labels together with the retain set with true labels: loss = CE(forget, random) + CE(retain).
/// One epoch = one pass over the forget set.
/// </summary>
public sealed class RandomLabels : IUnlearningMethod
{
    /// <inheritdoc />
    public string Name => "rl";

    /// <inheritdoc />
    public UnlearnResult Unlearn(UnlearnContext context) => UnlearningLoop.Run(Name, context, Plan(context));

    /// <summary>The RL loop plan (SalUn reuses it with a gradient mask).</summary>
    public static LoopPlan Plan(UnlearnContext context)
    {
        int classes = context.Split.Data.ClassCount;
        return new LoopPlan
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
