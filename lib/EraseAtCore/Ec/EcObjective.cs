using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Unlearning;
using static TorchSharp.torch;

namespace EraseAtCore.Ec;

/// <summary>
/// EC's objective on one step's forget and retain batches: the sum over supervision points l of
/// w_l * (a * L_CU(l) + b * L_CE(l)), with L_CU the contrastive unlearning loss on the point's embeddings
/// and L_CE the retain cross-entropy of the point's classifier. At the last point the model's own pooled
/// features and classifier serve (unless <see cref="EcOptions.LastPointUsesModelHead"/> is off).
/// </summary>
public sealed class EcObjective
{
    readonly EcOptions _options;
    readonly AuxiliaryHeads? _heads;
    readonly string _lastStage;

    /// <summary>An objective over <paramref name="points"/> with <paramref name="weights"/>; <paramref name="heads"/> covers every point but a model-head last one.</summary>
    public EcObjective(EcOptions options, IReadOnlyList<string> points, IReadOnlyList<double> weights, AuxiliaryHeads? heads, string lastStage)
    {
        if (points.Count != weights.Count) throw new ArgumentException($"{points.Count} supervision points but {weights.Count} weights.");
        _options = options; Points = points; Weights = weights; _heads = heads; _lastStage = lastStage;
    }

    /// <summary>The supervision points, shallowest first.</summary>
    public IReadOnlyList<string> Points { get; }
    /// <summary>Their weights w_l.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>Named terms ("cu/layer1", "ce/layer1", ...) and "ec_total", from the step's memoised forward passes.</summary>
    public Dictionary<string, Tensor> Terms(StepInputs s)
    {
        var (forget, retain) = (s.Forget ?? throw new InvalidOperationException("EC needs a forget batch at every step."),
                                s.Retain ?? throw new InvalidOperationException("EC needs a retain batch at every step."));
        var f = s.Forward(forget);
        var r = s.Forward(retain);
        var terms = new Dictionary<string, Tensor>();
        Tensor? total = null;
        for (int i = 0; i < Points.Count; i++)
        {
            string stage = Points[i];
            var (zf, zr, logits) = PointOutputs(stage, f, r);
            var cu = _options.Variant == ContrastiveVariant.ForgetOnly
                ? ContrastiveLoss.ForgetOnly(zf, forget.Labels, _options.Temperature)
                : ContrastiveLoss.Unlearning(zf, forget.Labels, _options.RetainAsTargets ? zr.detach() : zr, retain.Labels, _options.Temperature, _options.ForgetNegatives);
            var ce = Losses.CrossEntropy(logits, retain.Labels);
            terms[$"cu/{stage}"] = cu;
            terms[$"ce/{stage}"] = ce;
            var point = cu.mul(_options.A).add(ce.mul(_options.B)).mul(Weights[i]);
            total = total is null ? point : total.add(point);
        }
        terms["ec_total"] = total!;
        return terms;
    }

    (Tensor ForgetEmbedding, Tensor RetainEmbedding, Tensor RetainLogits) PointOutputs(string stage, StagedOutput f, StagedOutput r)
    {
        if (stage == _lastStage && _options.LastPointUsesModelHead)
            return (StageReduction.Reduce(f.Stages[stage], FeatureForm.Pooled), StageReduction.Reduce(r.Stages[stage], FeatureForm.Pooled), r.Logits);
        var head = _heads?[stage] ?? throw new InvalidOperationException($"No auxiliary head at '{stage}'.");
        var hf = head.Apply(f.Stages[stage]);
        var hr = head.Apply(r.Stages[stage]);
        return (hf.Embedding, hr.Embedding, hr.Logits);
    }
}
