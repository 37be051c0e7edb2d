using EraseAtCore.Models;

namespace EraseAtCore.Unlearning;

/// <summary>Options of <see cref="ContrastiveUnlearning"/>.</summary>
/// <param name="Temperature">
/// Temperature t of <see cref="ContrastiveLoss.Unlearning"/>. Default 0.1, the same as EC's (so CU is exactly EC's
/// last supervision point and the two compare fairly). UUEF's CU code uses 1; on the quick preset 0.5 left the
/// loss almost flat, 0.1 moves it.
/// </param>
/// <param name="RetainWeight">Weight of the retain-batch cross-entropy added to the contrastive loss. Default 1 (UUEF's CU adds it unweighted).</param>
/// <param name="ForgetNegatives">
/// Contrast anchors against same-class forget samples too (Lee et al.'s class-wise form; see
/// <see cref="ContrastiveLoss.Unlearning"/>). Default true: without it, forgetting a whole class leaves the loss
/// nearly constant, because every retain sample is then a positive (measured in docs/paper-notes.md §2).
/// </param>
/// <param name="RetainAsTargets">
/// No gradient through the retain embeddings in the contrastive loss (they are targets the forget samples move
/// toward). Default true; see <see cref="Ec.EcOptions.RetainAsTargets"/> for the measurement behind it.
/// </param>
public sealed record ContrastiveUnlearningOptions(double Temperature = 0.1, double RetainWeight = 1.0, bool ForgetNegatives = true, bool RetainAsTargets = true)
{
    /// <summary>
    /// The options from method knobs (keys: temperature, retain-weight, forget-negatives, retain-as-targets; the properties in kebab case), absent keys at their defaults,
    /// validated, so a bad value fails when the method is created and not when a run reaches it.
    /// </summary>
    public static ContrastiveUnlearningOptions Read(MethodOptions o)
    {
        var d = new ContrastiveUnlearningOptions();
        var read = new ContrastiveUnlearningOptions(o.Double("temperature", d.Temperature), o.Double("retain-weight", d.RetainWeight), o.Bool("forget-negatives", d.ForgetNegatives), o.Bool("retain-as-targets", d.RetainAsTargets));
        read.Validate();
        return read;
    }

    /// <summary>Checks the values.</summary>
    public void Validate()
    {
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"CU temperature must be positive, got {Temperature}.");
        if (!(RetainWeight >= 0) || double.IsInfinity(RetainWeight)) throw new ArgumentException($"CU retain weight must be a finite number >= 0, got {RetainWeight}.");
    }
}

/// <summary>
/// CU, contrastive unlearning at the last stage only (Lee et al., arXiv:2401.10458; the baseline of UUEF and
/// EC): per step, embeddings z = L2-normalised, globally pooled output of the model's last stage (layer4 of
/// a ResNet: the features its classifier reads) for a forget batch and a retain batch; loss =
/// <see cref="ContrastiveLoss.Unlearning"/>(forget, retain) + RetainWeight * CE(retain). One epoch = one pass
/// over the forget set, retain batches cycled alongside. EC applies the same loss at every stage.
/// </summary>
public sealed class ContrastiveUnlearning(ContrastiveUnlearningOptions? options = null) : LoopMethod, IDescribedMethod
{
    /// <summary>CU in the catalog; its settings were picked on the quick preset, as GA's.</summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "cu", Label = "CU", TableOrder = 80,
        DefaultConfig = new UnlearnConfig { Epochs = 5, LearningRate = 0.05 },
        Create = r => new ContrastiveUnlearning(ContrastiveUnlearningOptions.Read(r.Options)),
        Ec = new EcHosting(),
    };

    readonly ContrastiveUnlearningOptions _options = options ?? new();

    /// <inheritdoc />
    public override object? Settings => _options;

    /// <inheritdoc />
    public override string Name => Descriptor.Name;

    /// <inheritdoc />
    public override LoopPlan Plan(UnlearnContext context)
    {
        _options.Validate();
        var (temperature, retainWeight, negatives, targets) = (_options.Temperature, _options.RetainWeight, _options.ForgetNegatives, _options.RetainAsTargets);
        string stage = context.Original.StageNames[^1];
        return LoopPlan.Of(new LoopPass
        {
            Driver = EpochDriver.Forget,
            UsesForget = true,
            UsesRetain = true,
            Loss = s =>
            {
                var (forget, retain) = (s.Forget!.Value, s.Retain!.Value);
                var f = s.Forward(forget);
                var r = s.Forward(retain);
                var contrastive = ContrastiveLoss.Unlearning(
                    StageReduction.Reduce(f.Stages[stage], FeatureForm.Pooled), forget.Labels,
                    targets ? StageReduction.Reduce(r.Stages[stage], FeatureForm.Pooled).detach() : StageReduction.Reduce(r.Stages[stage], FeatureForm.Pooled),
                    retain.Labels, temperature, negatives);
                var ce = Losses.CrossEntropy(r.Logits, retain.Labels);
                return Losses.Terms(contrastive.add(ce.mul(retainWeight)), ("forget_contrastive", contrastive), ("retain_ce", ce));
            },
        });
    }
}
