using EraseAtCore.Unlearning;

namespace EraseAtCore.Ec;

/// <summary>How the per-point losses are weighted before they are summed.</summary>
public enum LayerWeighting
{
    /// <summary>Every supervision point weighs 1.</summary>
    Uniform,
    /// <summary>Point l of L weighs l / L: deeper points count more (the last weighs 1).</summary>
    DepthIncreasing,
    /// <summary>The vector in <see cref="EcOptions.Weights"/>, one entry per point.</summary>
    Explicit,
}

/// <summary>Which contrastive unlearning loss runs at each point.</summary>
public enum ContrastiveVariant
{
    /// <summary>Forget anchors against a retain batch (Lee et al.'s CU; the notes' definition). The default.</summary>
    ForgetVsRetain,
    /// <summary>UUEF's forget-only form: anchors and partners are forget samples (zero when one class is forgotten).</summary>
    ForgetOnly,
}

/// <summary>
/// Every choice of Erase at the Core, with the defaults this kit uses. The paper's full text was not available:
/// each default below is ours (see docs/paper-notes.md) and every one is an option, so ablations need no code.
/// </summary>
public sealed record EcOptions
{
    /// <summary>
    /// EC's options from method knobs, validated (keys: points, a, b, ec-temperature, variant, ec-forget-negatives,
    /// ec-retain-as-targets, weighting, weights, last-model-head, embedding-dim, warmup-steps, train-heads, warmup-lr,
    /// modules). Keys without "ec-" that a host also reads (temperature) belong to the host under X+EC.
    /// </summary>
    public static EcOptions Read(MethodOptions o)
    {
        var d = new EcOptions();
        var weights = o.Numbers("weights");
        var ec = new EcOptions
        {
            Points = o.List("points"),
            A = o.Double("a", d.A),
            B = o.Double("b", d.B),
            Temperature = o.Double("ec-temperature", d.Temperature),
            Variant = o.Choice("variant", d.Variant),
            ForgetNegatives = o.Bool("ec-forget-negatives", d.ForgetNegatives),
            RetainAsTargets = o.Bool("ec-retain-as-targets", d.RetainAsTargets),
            Weighting = o.Choice("weighting", weights is null ? d.Weighting : LayerWeighting.Explicit),
            Weights = weights,
            LastPointUsesModelHead = o.Bool("last-model-head", d.LastPointUsesModelHead),
            EmbeddingDim = o.Int("embedding-dim", d.EmbeddingDim),
            WarmupSteps = o.Int("warmup-steps", d.WarmupSteps),
            TrainHeads = o.Bool("train-heads", d.TrainHeads),
            WarmupLearningRate = o.Double("warmup-lr", d.WarmupLearningRate),
            ModulesPath = o.Text("modules", d.ModulesPath),
        };
        ec.Validate();
        return ec;
    }

    /// <summary>
    /// Stages that get a loss (supervision points), by the model's stage names; null = every stage
    /// (layer1..layer4 of a ResNet, block1..blockN of a ViT).
    /// </summary>
    public IReadOnlyList<string>? Points { get; init; }
    /// <summary>
    /// Weight of the contrastive unlearning loss at each point (a in the notes). Default 2: chosen by the selection
    /// sweep (docs/findings.md; the values tried are in docs/paper-notes.md §2).
    /// </summary>
    public double A { get; init; } = 2.0;
    /// <summary>Weight of the retain cross-entropy at each point (b in the notes). Default 1.</summary>
    public double B { get; init; } = 1.0;
    /// <summary>
    /// Contrastive temperature t. Default 0.1 (supervised-contrastive range): a higher t left the loss almost flat on
    /// the quick preset (the runs are in docs/paper-notes.md §2).
    /// </summary>
    public double Temperature { get; init; } = 0.1;
    /// <summary>Which contrastive loss. Default forget-vs-retain.</summary>
    public ContrastiveVariant Variant { get; init; } = ContrastiveVariant.ForgetVsRetain;
    /// <summary>
    /// With the forget-vs-retain loss, also contrast anchors against same-class forget samples (Lee et al.'s
    /// class-wise form). Default true: when a whole class is forgotten the loss is otherwise nearly constant.
    /// </summary>
    public bool ForgetNegatives { get; init; } = true;
    /// <summary>
    /// Treat retain embeddings as fixed targets in the contrastive loss (no gradient through them). Default true:
    /// the loss is meant to move forget samples; letting it also pull retain samples toward the forget anchors
    /// dragged whole retain classes along (retain accuracy collapsed; measured in docs/paper-notes.md §2).
    /// </summary>
    public bool RetainAsTargets { get; init; } = true;
    /// <summary>How points are weighted. Default uniform.</summary>
    public LayerWeighting Weighting { get; init; } = LayerWeighting.Uniform;
    /// <summary>Explicit per-point weights (with <see cref="LayerWeighting.Explicit"/>), in point order.</summary>
    public IReadOnlyList<double>? Weights { get; init; }
    /// <summary>
    /// At the last stage, use the model's own pooled features and classifier instead of an auxiliary head
    /// (default true): the last point is then exactly CU, so EC extends CU to the layers below, and the
    /// forgetting is enforced on the classifier the unlearned model keeps.
    /// </summary>
    public bool LastPointUsesModelHead { get; init; } = true;
    /// <summary>Width of each head's embedding (the contrastive space). Default 64.</summary>
    public int EmbeddingDim { get; init; } = 64;
    /// <summary>
    /// Head warm-up: steps of training the fresh heads on retain batches (deep-supervision CE only) with the
    /// backbone frozen, before unlearning starts; 0 = none. Default 50 (untrained heads would otherwise send
    /// large, meaningless CE gradients into the backbone on the first steps).
    /// </summary>
    public int WarmupSteps { get; init; } = 50;
    /// <summary>
    /// Keep training the heads during unlearning (true), or freeze them after the warm-up (false) so that every
    /// point's losses can only be lowered by changing the backbone's features, not by the head adapting to them.
    /// Default false: chosen by the selection sweep of docs/findings.md (trained heads absorb much of the push,
    /// and the layers below them move less).
    /// </summary>
    public bool TrainHeads { get; init; } = false;
    /// <summary>Learning rate of the warm-up (SGD, momentum 0.9). Default 0.05.</summary>
    public double WarmupLearningRate { get; init; } = 0.05;
    /// <summary>
    /// EC modules trained once for the Original (<see cref="EcModules"/>; a file written by <c>erase-core ec-modules</c>): its
    /// heads replace the per-run warm-up. Null: fresh heads warmed up on the retain set (<see cref="WarmupSteps"/>).
    /// </summary>
    public string? ModulesPath { get; init; }

    /// <summary>Checks the values; errors name the option and what is allowed.</summary>
    public void Validate()
    {
        if (!(A >= 0) || double.IsInfinity(A)) throw new ArgumentException($"EC's contrastive weight a must be a finite number >= 0, got {A}.");
        if (!(B >= 0) || double.IsInfinity(B)) throw new ArgumentException($"EC's retain cross-entropy weight b must be a finite number >= 0, got {B}.");
        if (A == 0 && B == 0) throw new ArgumentException("EC's a and b are both 0: there is nothing to optimise.");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"EC's temperature must be positive, got {Temperature}.");
        if (EmbeddingDim <= 0) throw new ArgumentException($"EC's embedding width must be at least 1, got {EmbeddingDim}.");
        if (WarmupSteps < 0) throw new ArgumentException($"EC's warm-up steps cannot be negative, got {WarmupSteps}.");
        if (!(WarmupLearningRate > 0)) throw new ArgumentException($"EC's warm-up learning rate must be positive, got {WarmupLearningRate}.");
        if (Points is { Count: 0 }) throw new ArgumentException("EC needs at least one supervision point (or none given, for every stage).");
        if (Weighting == LayerWeighting.Explicit && Weights is null)
            throw new ArgumentException("EC's explicit layer weighting needs the weights (e.g. --option weights=0.25,0.5,0.75,1).");
        if (Weights is not null && Weights.Any(w => !(w >= 0) || double.IsInfinity(w)))
            throw new ArgumentException($"EC's layer weights must be finite numbers >= 0, got {string.Join(", ", Weights)}.");
    }
}
