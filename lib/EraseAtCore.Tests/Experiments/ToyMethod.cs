using EraseAtCore.Unlearning;

namespace EraseAtCore.Tests.Experiments;

/// <summary>
/// A method written the way the README's "Add a method" says, in this one file and nowhere else: ascent on the
/// forget set, weighed by a knob, with descent on the retain set. <see cref="MethodCatalogTests"/> registers it and
/// runs it through the catalog, the settings parser and the experiment runner, alone and with EC plugged in.
/// </summary>
public sealed class ToyMethod(double weight = 0.5) : LoopMethod, IDescribedMethod
{
    /// <summary>The toy in the catalog.</summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "toy", Label = "Toy", Cost = 2,
        DefaultConfig = new UnlearnConfig { Steps = 4, LearningRate = 0.01 },
        Create = r => new ToyMethod(ReadWeight(r.Options)),
        Ec = new EcHosting(Config: new UnlearnConfig { Steps = 4, LearningRate = 0.005 }),
    };

    /// <summary>Weight of the forget set's ascent against the retain set's descent, in (0, 1].</summary>
    public double Weight { get; } = weight;

    /// <inheritdoc />
    public override string Name => Descriptor.Name;

    /// <inheritdoc />
    public override object? Settings => new { weight = Weight };

    /// <inheritdoc />
    public override LoopPlan Plan(UnlearnContext context) => LoopPlan.Of(new LoopPass
    {
        Driver = EpochDriver.Forget,
        UsesForget = true,
        UsesRetain = true,
        Loss = s =>
        {
            var forget = Losses.CrossEntropy(Losses.Logits(s, s.Forget!.Value), s.Forget.Value.Labels);
            var retain = Losses.CrossEntropy(Losses.Logits(s, s.Retain!.Value), s.Retain.Value.Labels);
            return Losses.Terms(retain.sub(forget.mul(Weight)), ("forget_ce", forget), ("retain_ce", retain));
        },
    });

    static double ReadWeight(MethodOptions options)
    {
        double weight = options.Double("weight", 0.5);
        return weight is > 0 and <= 1 ? weight : throw new ArgumentException($"toy weight must be in (0, 1], got {weight}.");
    }
}
