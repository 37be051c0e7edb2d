using EraseAtCore.Data;
using EraseAtCore.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>Options of <see cref="SalUn"/>.</summary>
/// <param name="Sparsity">
/// Fraction of all weights SalUn may update: the weights with the largest forget-loss gradient magnitude,
/// ranked globally across every parameter tensor. In (0, 1]; default 0.3, chosen by the selection sweep of
/// docs/findings.md over 0.3, 0.5 (the SalUn README's CIFAR-10 example, mask "with_0.5") and 0.7.
/// </param>
public sealed record SalUnOptions(double Sparsity = 0.3)
{
    /// <summary>
    /// The options from method knobs (keys: sparsity; the properties in kebab case), absent keys at their defaults,
    /// validated, so a bad value fails when the method is created and not when a run reaches it.
    /// </summary>
    public static SalUnOptions Read(MethodOptions o)
    {
        var d = new SalUnOptions();
        var read = new SalUnOptions(o.Double("sparsity", d.Sparsity));
        read.Validate();
        return read;
    }

    /// <summary>Checks the fraction.</summary>
    public void Validate()
    {
        if (!(Sparsity > 0 && Sparsity <= 1))
            throw new ArgumentException($"SalUn sparsity (the fraction of weights updated) must be in (0, 1], got {Sparsity}.");
    }
}

/// <summary>
/// A 0/1 mask over a model's parameters (one boolean tensor per parameter name, true = may change).
/// Holds tensors: dispose it.
/// </summary>
public sealed class SaliencyMask : IDisposable
{
    readonly Dictionary<string, Tensor> _keep;
    readonly Dictionary<string, Tensor> _frozen;

    internal SaliencyMask(Dictionary<string, Tensor> keep, long kept, long total)
    {
        _keep = keep;
        _frozen = keep.ToDictionary(kv => kv.Key, kv => kv.Value.logical_not().DetachFromDisposeScope());
        Kept = kept; Total = total;
    }

    /// <summary>Parameter name to a boolean tensor of the parameter's shape; true marks a weight that may change.</summary>
    public IReadOnlyDictionary<string, Tensor> Keep => _keep;
    /// <summary>Weights that may change.</summary>
    public long Kept { get; }
    /// <summary>All weights covered by the mask.</summary>
    public long Total { get; }
    /// <summary>Kept / Total.</summary>
    public double Fraction => Kept / (double)Total;

    /// <summary>
    /// Restricts the coming SGD update to the kept weights (an <see cref="LoopPlan.AfterBackward"/> hook).
    /// The L2 weight decay is added here, to kept weights only, because SGD adds decay after the hook
    /// and would otherwise move every masked weight (then momentum would keep moving it). With the
    /// optimiser's own decay off, a masked weight sees a gradient of exactly 0, its momentum buffer
    /// stays exactly 0, and it never changes: the whole update is masked, as in the SalUn code's
    /// "Fix weight decay" revision (which restores masked weights and zeroes their momentum after each step).
    /// </summary>
    /// <param name="model">The model being unlearned (its parameter names must match the mask's).</param>
    /// <param name="weightDecay">The L2 decay the optimiser would have applied; 0 for none.</param>
    public void ApplyToGradients(StagedModel model, double weightDecay)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            var grad = parameter.grad;
            if (grad is null) continue;
            if (weightDecay != 0) grad.add_(parameter.detach(), weightDecay);
            // masked_fill, not multiplication by 0: a non-finite gradient must not leak NaN into a frozen weight.
            if (_frozen.TryGetValue(name, out var frozen)) grad.masked_fill_(frozen, 0);
        }
    }

    /// <summary>Disposes the mask tensors.</summary>
    public void Dispose()
    {
        foreach (var t in _keep.Values) t.Dispose();
        foreach (var t in _frozen.Values) t.Dispose();
    }
}

/// <summary>
/// SalUn (Fan et al., "SalUn: Empowering Machine Unlearning via Gradient-based Weight Saliency", ICLR 2024):
/// RL (random labels on the forget set + true labels on the retain set) restricted to the salient weights.
/// Saliency = |gradient of the forget-set cross-entropy| at the Original's weights, computed with the model
/// in eval mode (as the SalUn code's generate_mask.py does: BatchNorm uses its running statistics and none
/// are updated). The top <see cref="SalUnOptions.Sparsity"/> fraction of all weights, ranked globally
/// across every parameter tensor, may change; the others stay exactly at the Original's values (BatchNorm
/// running statistics are buffers, not weights, and still adapt, as in SalUn). One epoch = one pass over the
/// forget set (the RL plan of <see cref="RandomLabels.Plan"/>).
/// </summary>
public sealed class SalUn(SalUnOptions? options = null) : LoopMethod, IDescribedMethod
{
    /// <summary>
    /// SalUn in the catalog; its rate and SalUn+EC's come from the selection sweep (docs/findings.md), which chose a
    /// sparsity of 0.3 for SalUn alone and 0.5 under EC.
    /// </summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "salun", Label = "SalUn", TableOrder = 50,
        DefaultConfig = new UnlearnConfig { Steps = UnlearnConfig.StudyBudget, LearningRate = 0.02 },
        Create = r => new SalUn(SalUnOptions.Read(r.Options)),
        Ec = new EcHosting(DefaultGridOrder: 1, new UnlearnConfig { Steps = UnlearnConfig.StudyBudget, LearningRate = 0.02 }, new Dictionary<string, string> { ["sparsity"] = "0.5" }),
    };

    readonly SalUnOptions _options = options ?? new();

    /// <inheritdoc />
    public override object? Settings => _options;

    /// <inheritdoc />
    public override string Name => Descriptor.Name;

    /// <summary>
    /// Computes the mask (on a copy, so the Original's mode and gradients are never touched) and returns RL's
    /// pass with the mask as the gradient hook. The optimiser's own decay is off; the hook re-applies it to
    /// kept weights only. The plan owns the mask.
    /// </summary>
    public override LoopPlan Plan(UnlearnContext context)
    {
        _options.Validate();
        context.Config.Validate();
        if (context.Split.Train.Forget.Count == 0) throw new ArgumentException("salun needs forget images to compute saliency; the forget set is empty.");
        SaliencyMask mask;
        using (var probe = ModelCopy.Of(context.Original, context.Feed.Device))
            mask = ComputeMask(probe, context.Split.Train.Forget, context.Feed, _options.Sparsity, context.Config.BatchSize);
        double decay = context.Config.WeightDecay;
        return new LoopPlan
        {
            Passes = [RandomLabels.Pass(context.Split.Data.ClassCount)],
            AfterBackward = model => mask.ApplyToGradients(model, decay),
            OptimizerAppliesDecay = false,
            Owned = [mask],
        };
    }

    /// <summary>
    /// The SalUn weight mask of <paramref name="model"/> for <paramref name="forget"/>:
    /// <see cref="Saliency"/> followed by <see cref="MaskFromSaliency"/>.
    /// </summary>
    public static SaliencyMask ComputeMask(StagedModel model, ImageSet forget, Feed feed, double sparsity, int batchSize = 64)
    {
        var saliency = Saliency(model, forget, feed, batchSize);
        try { return MaskFromSaliency(saliency, sparsity); }
        finally { foreach (var t in saliency.Values) t.Dispose(); }
    }

    /// <summary>
    /// |d/dθ sum over the forget set of CE(model(x), y)| for every trainable parameter, accumulated batch by
    /// batch in eval mode. The sum (not SalUn's sum of per-batch means) makes the result independent of the
    /// batch size; the ranking is the same up to the weight of a last, partial batch. Gradients come from
    /// <c>autograd.grad</c>, so the model's own <c>.grad</c> fields and weights are left untouched; its
    /// training mode is restored. Returns parameter name to a tensor of the parameter's shape (caller disposes).
    /// </summary>
    public static Dictionary<string, Tensor> Saliency(StagedModel model, ImageSet forget, Feed feed, int batchSize = 64)
    {
        if (forget.Count == 0) throw new ArgumentException("Saliency needs at least one forget image.");
        var named = model.named_parameters().Where(p => p.parameter.requires_grad).ToArray();
        var parameters = named.Select(p => (Tensor)p.parameter).ToList();
        var sums = named.ToDictionary(p => p.name, p => zeros_like(p.parameter).DetachFromDisposeScope());
        bool wasTraining = model.training;
        model.eval();
        try
        {
            var loader = new BatchLoader(forget, new BatchOptions(batchSize, Normalize: feed.Normalize), feed.Device);
            foreach (var batch in loader.Epoch())
            {
                using var scope = NewDisposeScope();
                var loss = nn.functional.cross_entropy(model.forward(batch.Images), batch.Labels, reduction: nn.Reduction.Sum);
                var grads = autograd.grad([loss], parameters);
                using (no_grad())
                    for (int i = 0; i < named.Length; i++) sums[named[i].name].add_(grads[i]);
                batch.Images.Dispose(); batch.Labels.Dispose();
            }
            foreach (var s in sums.Values) s.abs_();
            return sums;
        }
        catch
        {
            foreach (var s in sums.Values) s.Dispose();
            throw;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// Keeps the k = floor(sparsity * N) largest scores among all N entries of all tensors (a global threshold,
    /// as SalUn does, not a per-layer one; at least one entry). Exactly k entries are kept even when scores tie.
    /// </summary>
    /// <param name="saliency">Parameter name to non-negative scores (e.g. from <see cref="Saliency"/>).</param>
    /// <param name="sparsity">Fraction kept, in (0, 1].</param>
    public static SaliencyMask MaskFromSaliency(IReadOnlyDictionary<string, Tensor> saliency, double sparsity)
    {
        new SalUnOptions(sparsity).Validate();
        if (saliency.Count == 0) throw new ArgumentException("The saliency map is empty: the model has no trainable parameters.");
        var names = saliency.Keys.ToArray();
        var sizes = names.Select(n => saliency[n].numel()).ToArray();
        long total = sizes.Sum();
        // A tolerance so that e.g. 0.29 * 100 keeps 29 and not 28 (binary rounding); otherwise floor, as SalUn's int().
        long kept = Math.Clamp((long)Math.Floor(sparsity * total + 1e-9), 1, total);
        using var scope = NewDisposeScope();
        var flat = cat(names.Select(n => saliency[n].detach().flatten().to(float32)).ToList(), 0);
        var keep = zeros(total, dtype: ScalarType.Bool, device: flat.device);
        keep.index_fill_(0, flat.argsort(descending: true).narrow(0, 0, kept), true);
        var parts = keep.split(sizes);
        var masks = new Dictionary<string, Tensor>();
        for (int i = 0; i < names.Length; i++)
            masks[names[i]] = parts[i].reshape(saliency[names[i]].shape).clone().DetachFromDisposeScope();
        return new SaliencyMask(masks, kept, total);
    }
}
