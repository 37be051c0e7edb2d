namespace EraseAtCore.Unlearning;

/// <summary>Options of <see cref="NegGradPlus"/>.</summary>
/// <param name="RetainWeight">alpha in alpha * CE(retain) - (1 - alpha) * CE(forget); in (0, 1).</param>
public sealed record NegGradPlusOptions(double RetainWeight = 0.9)
{
    /// <summary>
    /// The options from method knobs (keys: retain-weight; the properties in kebab case), absent keys at their defaults,
    /// validated, so a bad value fails when the method is created and not when a run reaches it.
    /// </summary>
    public static NegGradPlusOptions Read(MethodOptions o)
    {
        var d = new NegGradPlusOptions();
        var read = new NegGradPlusOptions(o.Double("retain-weight", d.RetainWeight));
        read.Validate();
        return read;
    }

    /// <summary>Checks the weight.</summary>
    public void Validate()
    {
        if (RetainWeight is <= 0 or >= 1) throw new ArgumentException($"NegGrad+ retain weight must be strictly between 0 and 1, got {RetainWeight}.");
    }
}

/// <summary>
/// NegGrad+ (Kurmanji et al., 2023): descent on the retain set and ascent on the forget set together,
/// loss = alpha * CE(retain) - (1 - alpha) * CE(forget). One epoch = one pass over the retain set.
/// </summary>
public sealed class NegGradPlus(NegGradPlusOptions? options = null) : LoopMethod, IDescribedMethod
{
    /// <summary>NegGrad+ in the catalog (settings picked on the quick preset, as GA's); NegGrad+EC runs with the host's settings, untuned.</summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "neggrad+", Label = "NegGrad+", TableOrder = 30, Cost = 3,
        DefaultConfig = new UnlearnConfig { Epochs = 1, LearningRate = 0.01 },
        Create = r => new NegGradPlus(NegGradPlusOptions.Read(r.Options)),
        Ec = new EcHosting(DefaultGridOrder: 3),
    };

    readonly NegGradPlusOptions _options = options ?? new();

    /// <inheritdoc />
    public override object? Settings => _options;

    /// <inheritdoc />
    public override string Name => Descriptor.Name;

    /// <inheritdoc />
    public override LoopPlan Plan(UnlearnContext context)
    {
        _options.Validate();
        double a = _options.RetainWeight;
        return LoopPlan.Of(new LoopPass
        {
            Driver = EpochDriver.Retain,
            UsesRetain = true,
            UsesForget = true,
            Loss = s =>
            {
                var retain = Losses.CrossEntropy(Losses.Logits(s, s.Retain!.Value), s.Retain.Value.Labels);
                var forget = Losses.CrossEntropy(Losses.Logits(s, s.Forget!.Value), s.Forget.Value.Labels);
                return Losses.Terms(retain.mul(a).sub(forget.mul(1 - a)), ("retain_ce", retain), ("forget_ce", forget));
            },
        });
    }
}
