using EraseAtCore.Unlearning;

namespace EraseAtCore.Ec;

/// <summary>
/// Erase at the Core (Lee, Kim and Kim, arXiv:2602.05375): contrastive unlearning and deep-supervision
/// cross-entropy at every supervision point, through auxiliary heads that are discarded afterwards, so the
/// forgetting reaches intermediate representations and not only the classifier. One epoch = one pass over the
/// forget set with retain batches cycled alongside (as CU). The returned model has the Original's architecture.
/// </summary>
public sealed class EraseAtTheCore(EcOptions? options = null) : LoopMethod, IDescribedMethod
{
    /// <summary>EC in the catalog; its budget and rate come from the selection sweep (docs/findings.md). EC does not host itself.</summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "ec", Label = "EC", TableOrder = 90,
        DefaultConfig = new UnlearnConfig { Steps = UnlearnConfig.StudyBudget, LearningRate = 0.02 },
        Create = r => new EraseAtTheCore(EcOptions.Read(r.Options)),
    };

    /// <summary>The options in force.</summary>
    public EcOptions Options { get; } = options ?? new();

    /// <inheritdoc />
    public override object? Settings => Options;

    /// <inheritdoc />
    public override string Name => Descriptor.Name;

    /// <inheritdoc />
    public override LoopPlan Plan(UnlearnContext context)
    {
        var parts = EcParts.Prepare(context, Options);
        return new LoopPlan
        {
            Passes =
            [
                new LoopPass
                {
                    Driver = EpochDriver.Forget,
                    UsesForget = true,
                    UsesRetain = true,
                    Loss = s =>
                    {
                        var terms = parts.Objective.Terms(s);
                        terms["total"] = terms["ec_total"];
                        return terms;
                    },
                },
            ],
            Companions = parts.Companions,
            Owned = parts.Owned,
        };
    }
}
