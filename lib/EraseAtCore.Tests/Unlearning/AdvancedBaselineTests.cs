using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Unlearning;

/// <summary>SalUn, SCRUB, l1-sparse and CU on a tiny trained ResNet, plus their losses on hand-made inputs.</summary>
public sealed class AdvancedBaselineTests
{
    readonly ITestOutputHelper _out;

    public AdvancedBaselineTests(ITestOutputHelper output)
    {
        TorchRuntime.EnsureLoaded();
        _out = output;
    }

    // ---- The shared tiny Original -------------------------------------------------------------

    // The Original every unlearning test shares (see SmallOriginal).
    static SmallOriginal Shared => SmallOriginal.Instance;

    static double Accuracy(StagedModel model, ImageSet set) => Evaluate.Accuracy(model, set, new Feed(Normalization.FashionMnist, CPU));

    static UnlearnContext Context(UnlearnConfig config) => Shared.Context(config);

    /// <summary>Forget accuracy must fall clearly, retain accuracy stay near the Original's, the Original stay untouched.</summary>
    void AssertUnlearned(UnlearnResult result, string method, double maxRetainDrop)
    {
        var s = Shared;
        double forget = Accuracy(result.Model, s.Split.Train.Forget), retain = Accuracy(result.Model, s.Split.Train.Retain);
        _out.WriteLine($"{method}: forget {s.ForgetAccuracy:P1} -> {forget:P1}, retain {s.RetainAccuracy:P1} -> {retain:P1} ({result.Elapsed.TotalSeconds:F1}s)");
        Assert.True(s.ForgetAccuracy >= 0.8, $"the test Original must know the forget class first; it has forget accuracy {s.ForgetAccuracy:P1}");
        Assert.Equal(method, result.Method);
        Assert.Null(result.StopReason);
        Assert.Equal(s.Model.Spec, result.Model.Spec);
        Assert.False(ReferenceEquals(s.Model, result.Model));
        Assert.True(forget <= s.ForgetAccuracy - 0.5,
            $"{method} should forget: forget-train accuracy {s.ForgetAccuracy:P1} -> {forget:P1}, expected a fall of at least 50 points");
        Assert.True(retain >= s.RetainAccuracy - maxRetainDrop,
            $"{method} should keep the retain set: retain-train accuracy {s.RetainAccuracy:P1} -> {retain:P1}, allowed drop {maxRetainDrop:P0}");
        AssertOriginalUnchanged();
    }

    // Bit-for-bit equality (allclose with both tolerances 0).
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.allclose(b, rtol: 0, atol: 0);

    static void AssertOriginalUnchanged()
    {
        var s = Shared;
        foreach (var (name, value) in s.Model.state_dict())
            Assert.True(Same(value, s.State[name]), $"the Original's '{name}' changed during unlearning");
        Assert.False(s.Model.training);
    }

    // ---- SalUn --------------------------------------------------------------------------------

    [Fact]
    public void SalUn_forgets_keeps_retain_and_never_moves_a_masked_weight()
    {
        var s = Shared;
        // Momentum and weight decay are on: both would move masked weights if only the gradient were masked.
        var config = new UnlearnConfig { Epochs = 4, BatchSize = 20, LearningRate = 0.02, Momentum = 0.9, WeightDecay = 5e-4 };
        var result = new SalUn(new SalUnOptions(0.5)).Unlearn(Context(config));
        using var model = result.Model;
        // RL's forget-only batches also shift BatchNorm's running statistics, which costs this tiny model
        // some retain accuracy (RL alone loses about as much here): hence the wider bound.
        AssertUnlearned(result, "salun", maxRetainDrop: 0.2);

        // The same mask the method computed (deterministic: eval mode, unshuffled forget set, same batch size).
        using var probe = ModelCopy.Of(s.Model, CPU);
        using var mask = SalUn.ComputeMask(probe, s.Split.Train.Forget, new Feed(Normalization.FashionMnist, CPU), 0.5, config.BatchSize);
        var original = s.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        long frozenSeen = 0, keptChanged = 0;
        using var scope = NewDisposeScope();
        foreach (var (name, after) in model.named_parameters())
        {
            var keep = mask.Keep[name];
            var frozen = keep.logical_not();
            Assert.True(Same(after.masked_select(frozen), original[name].masked_select(frozen)), $"a masked-out weight of '{name}' changed");
            frozenSeen += frozen.sum().item<long>();
            keptChanged += after.ne(original[name]).logical_and(keep).sum().item<long>();
        }
        Assert.Equal(mask.Total - mask.Kept, frozenSeen);
        Assert.True(keptChanged > mask.Kept / 2, $"only {keptChanged} of {mask.Kept} salient weights changed");
    }

    [Fact]
    public void Mask_keeps_the_largest_saliencies_with_one_global_threshold()
    {
        using var scope = NewDisposeScope();
        var scores = new Dictionary<string, Tensor>
        {
            ["a"] = tensor(new float[] { 0.1f, 0.5f, 0.3f }),
            ["b"] = tensor(new float[] { 0.9f, 0.0f, 0.2f, 0.4f }, [2, 2]),
        };
        // 7 weights, half kept: floor(3.5) = 3, the three largest anywhere: 0.9 (b), 0.5 (a), 0.4 (b).
        using (var mask = SalUn.MaskFromSaliency(scores, 0.5))
        {
            Assert.Equal((3L, 7L), (mask.Kept, mask.Total));
            Assert.Equal(new[] { false, true, false }, mask.Keep["a"].data<bool>().ToArray());
            Assert.Equal(new long[] { 2, 2 }, mask.Keep["b"].shape);
            Assert.Equal(new[] { true, false, false, true }, mask.Keep["b"].data<bool>().ToArray());
        }
        using (var all = SalUn.MaskFromSaliency(scores, 1.0)) Assert.Equal(7L, all.Kept);
        // Ties: exactly the requested count is kept even when every score is equal.
        var flat = new Dictionary<string, Tensor> { ["w"] = ones(10) };
        using (var tied = SalUn.MaskFromSaliency(flat, 0.3)) Assert.Equal(3L, tied.Keep["w"].sum().item<long>());
        Assert.Throws<ArgumentException>(() => SalUn.MaskFromSaliency(scores, 0));
    }

    [Fact]
    public void Saliency_mask_of_the_model_keeps_the_requested_fraction_and_leaves_the_model_alone()
    {
        var s = Shared;
        using var scope = NewDisposeScope();
        // A fresh copy: no gradients yet (the Original keeps its last training step's), in training mode.
        using var model = ModelCopy.Of(s.Model, CPU);
        model.train();
        var saliency = SalUn.Saliency(model, s.Split.Train.Forget, new Feed(Normalization.FashionMnist, CPU), batchSize: 16);
        using var mask = SalUn.MaskFromSaliency(saliency, 0.3);
        long total = model.parameters().Sum(p => p.numel());
        Assert.Equal(total, mask.Total);
        Assert.Equal((long)Math.Floor(0.3 * total), mask.Kept);
        Assert.Equal(mask.Kept, mask.Keep.Values.Sum(m => m.sum().item<long>()));
        // Largest first: no dropped weight is more salient than a kept one.
        var all = cat(saliency.Keys.Select(n => saliency[n].flatten()).ToList(), 0);
        var kept = cat(saliency.Keys.Select(n => mask.Keep[n].flatten()).ToList(), 0);
        Assert.True(all.masked_select(kept).min().item<float>() >= all.masked_select(kept.logical_not()).max().item<float>());
        // One global threshold, not 30% of every tensor: the per-tensor fractions differ.
        var fractions = mask.Keep.Values.Select(m => m.to(float32).mean().item<float>()).ToArray();
        Assert.True(fractions.Max() - fractions.Min() > 0.2, $"per-tensor kept fractions {string.Join(", ", fractions.Select(f => f.ToString("F2")))}");
        // Saliency uses autograd.grad: no .grad left behind; weights, buffers and training mode as they were.
        Assert.All(model.parameters(), p => Assert.True(p.grad is null, "saliency left a gradient on the model"));
        Assert.True(model.training, "saliency must restore the model's training mode");
        foreach (var (name, value) in model.state_dict())
            Assert.True(Same(value, s.State[name]), $"saliency changed '{name}'");
    }

    // ---- SCRUB --------------------------------------------------------------------------------

    [Fact]
    public void Scrub_max_passes_raise_the_forget_kl_and_the_class_is_forgotten()
    {
        var s = Shared;
        // 40 forget images / 20 = 2 max steps, 360 retain images / 20 = 18 min steps per epoch.
        var config = new UnlearnConfig { Epochs = 3, BatchSize = 20, LearningRate = 0.01, LogEvery = 1 };
        var result = new Scrub(new ScrubOptions(MaxSteps: 2)).Unlearn(Context(config));
        using var model = result.Model;
        AssertUnlearned(result, "scrub", maxRetainDrop: 0.15);

        // Max passes only in epochs 1..MaxSteps, first in their epoch; min passes in every epoch, numbered after them.
        var max = result.Log.Where(e => e.Losses.ContainsKey("forget_kl")).ToArray();
        Assert.Equal(new[] { (1, 1), (1, 2), (2, 1), (2, 2) }, max.Select(e => (e.Epoch, e.Step)));
        Assert.Equal(new[] { 1, 2, 3 }, result.Log.Where(e => e.Losses.ContainsKey("retain_kl")).Select(e => e.Epoch).Distinct());
        Assert.Equal(3, result.Log.First(e => e.Losses.ContainsKey("retain_kl")).Step);
        Assert.Equal(18, result.Log.Count(e => e.Epoch == 3));
        Assert.All(max, e => Assert.Equal(-e.Losses["forget_kl"], e.Losses["total"], 5));
        // Each max pass climbs: the KL its second step sees, after the first ascent step, is larger.
        for (int i = 0; i < max.Length; i += 2)
            Assert.True(max[i + 1].Losses["forget_kl"] > max[i].Losses["forget_kl"],
                $"the max pass of epoch {max[i].Epoch} should raise KL(teacher || student) on forget batches: {max[i].Losses["forget_kl"]:G4} -> {max[i + 1].Losses["forget_kl"]:G4}");

        // Afterwards the student disagrees with the teacher more on the forget set than on the retain set,
        // where the min passes keep it close.
        double forgetKl = Kl(model, s.Split.Train.Forget), retainKl = Kl(model, s.Split.Train.Retain);
        _out.WriteLine($"KL(teacher || student) at T = 4: forget {forgetKl:G4}, retain {retainKl:G4}");
        Assert.True(forgetKl > retainKl, $"the forget-set KL ({forgetKl:G4}) should exceed the retain-set KL ({retainKl:G4})");
    }

    static double Kl(StagedModel student, ImageSet set)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var batch = new BatchLoader(set, new BatchOptions(set.Count, Normalize: Normalization.FashionMnist)).Epoch().Single();
        student.eval();
        return Scrub.DistillationKL(student.forward(batch.Images), Shared.Model.forward(batch.Images), 4).item<float>();
    }

    [Fact]
    public void Distillation_kl_is_zero_for_equal_logits_and_matches_a_hand_value()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 1, -2, 0.5f, 3, 0, 0 }, [2, 3]);
        Assert.Equal(0.0, Scrub.DistillationKL(logits, logits, 4).item<float>(), 6);
        // T = 2: teacher logits (2 ln 3, 0) / T give p_t = (3/4, 1/4); student (0, 0) gives (1/2, 1/2).
        var teacher = tensor(new float[] { 2 * MathF.Log(3), 0 }, [1, 2]);
        var student = zeros(1, 2);
        double expected = 4 * (0.75 * Math.Log(0.75 / 0.5) + 0.25 * Math.Log(0.25 / 0.5));
        Assert.Equal(expected, Scrub.DistillationKL(student, teacher, 2).item<float>(), 5);
    }

    // ---- l1-sparse ----------------------------------------------------------------------------

    [Fact]
    public void L1Sparse_forgets_keeps_retain_and_its_penalty_weight_decays_to_zero()
    {
        var config = new UnlearnConfig { Epochs = 5, BatchSize = 40, LearningRate = 0.05, LogEvery = 1 };
        const double lambda = 5e-4;
        var result = new L1Sparse(new L1SparseOptions(lambda)).Unlearn(Context(config));
        using var model = result.Model;
        AssertUnlearned(result, "l1-sparse", maxRetainDrop: 0.1);

        // 360 retain images / 40 = 9 steps per epoch, 45 in all; logged every step.
        var weights = result.Log.Select(e => e.Losses["l1_lambda"]).ToArray();
        Assert.Equal(45, weights.Length);
        Assert.Equal(lambda, weights[0], 8);
        Assert.Equal(lambda / 45, weights[^1], 8);
        Assert.All(weights.Zip(weights.Skip(1)), w => Assert.True(w.Second < w.First, "the L1 weight must decrease every step"));
        Assert.All(result.Log, e => Assert.Equal(e.Losses["retain_ce"] + e.Losses["l1_lambda"] * e.Losses["l1_norm"], e.Losses["total"], 3));

        Assert.Equal(0.001, L1Sparse.LambdaAt(0.001, 0, 10), 12);
        Assert.Equal(0.0005, L1Sparse.LambdaAt(0.001, 5, 10), 12);
        Assert.Equal(0.0, L1Sparse.LambdaAt(0.001, 10, 10), 12);
        using var scope = NewDisposeScope();
        double manual = model.parameters().Sum(p => p.abs().sum().item<float>());
        Assert.Equal(manual, L1Sparse.L1Norm(model).item<float>(), manual * 1e-5);
    }

    // ---- CU and the contrastive losses --------------------------------------------------------

    [Fact]
    public void Contrastive_unlearning_forgets_and_keeps_retain()
    {
        // CU's own default of 5 epochs: retain accuracy dips while the contrastive steps move the features and the
        // retain cross-entropy brings it back by the end (measured on this model: 44 % after 3 epochs, 75 % after 5;
        // 71 % and 78 % with oneDNN on AVX2). A 3-epoch check measured the dip, not the method.
        var config = new UnlearnConfig { Epochs = 5, BatchSize = 20, LearningRate = 0.03 };
        var result = new ContrastiveUnlearning().Unlearn(Context(config));
        using var model = result.Model;
        // Forget-only contrastive steps on a 400-image model cost some retain accuracy (RL, the other forget-driven method, is allowed 25 points).
        AssertUnlearned(result, "cu", maxRetainDrop: 0.15);
        Assert.All(result.Log, e => Assert.True(e.Losses.ContainsKey("forget_contrastive") && e.Losses.ContainsKey("retain_ce")));
    }

    [Fact]
    public void Contrastive_loss_matches_a_hand_computed_two_anchor_case()
    {
        using var scope = NewDisposeScope();
        // Anchors (1,0) class 0 and (0,1) class 1; retain (1,0) class 0, (0,1) class 1, (-1,0) class 2; t = 0.5.
        var forget = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);
        var forgetLabels = tensor(new long[] { 0, 1 });
        var retain = tensor(new float[] { 1, 0, 0, 1, -1, 0 }, [3, 2]);
        var retainLabels = tensor(new long[] { 0, 1, 2 });
        // Anchor 1: logits (2, 0, -2), partners = retain 2 and 3: L1 = LSE - mean(0, -2) = LSE + 1.
        double l1 = Math.Log(Math.Exp(2) + 1 + Math.Exp(-2)) + 1;
        // Anchor 2: logits (0, 2, 0), partners = retain 1 and 3: L2 = LSE - 0.
        double l2 = Math.Log(1 + Math.Exp(2) + 1);
        Assert.Equal((l1 + l2) / 2, ContrastiveLoss.Unlearning(forget, forgetLabels, retain, retainLabels, 0.5).item<float>(), 5);
        // Unnormalised inputs give the same value: the loss normalises them.
        Assert.Equal((l1 + l2) / 2, ContrastiveLoss.Unlearning(forget.mul(3), forgetLabels, retain.mul(0.5), retainLabels, 0.5).item<float>(), 5);
    }

    [Fact]
    public void Moving_a_forget_anchor_toward_a_different_class_retain_point_lowers_the_loss()
    {
        using var scope = NewDisposeScope();
        // Retain (1,0) has the anchor's class 0, retain (0,1) has class 1: L = log(1 + exp((s_same - s_other) / t)).
        var retain = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);
        var retainLabels = tensor(new long[] { 0, 1 });
        var label = tensor(new long[] { 0 });
        double Loss(double angle) => ContrastiveLoss.Unlearning(
            tensor(new float[] { (float)Math.Cos(angle), (float)Math.Sin(angle) }, [1, 2]), label, retain, retainLabels, 0.5).item<float>();
        double near = Loss(0.1), halfway = Loss(Math.PI / 4), far = Loss(1.4);
        Assert.Equal(Math.Log(2), halfway, 5); // equal similarity to both: log(1 + e^0)
        Assert.True(near > halfway && halfway > far, $"loss along the arc from the same-class point to the other-class point: {near:G4}, {halfway:G4}, {far:G4}");
        Assert.True(near > 0, "the loss is a negative log-probability: positive");

        // Gradient descent moves the anchor toward the other-class point (0,1) and away from the same-class point (1,0).
        var anchor = tensor(new float[] { (float)Math.Cos(0.3), (float)Math.Sin(0.3) }, [1, 2]).requires_grad_();
        ContrastiveLoss.Unlearning(anchor, label, retain, retainLabels, 0.5).backward();
        var step = anchor.grad!.neg().flatten().data<float>().ToArray();
        Assert.True(step[1] - step[0] > 0, $"descent direction {step[0]:G4}, {step[1]:G4} should point from (1,0) toward (0,1)");
    }

    [Fact]
    public void Anchors_without_partners_are_skipped_and_the_forget_only_variant_vanishes_for_one_class()
    {
        using var scope = NewDisposeScope();
        var retain = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);
        var retainLabels = tensor(new long[] { 0, 0 });
        // Anchor class 0 has no other-class retain sample: skipped; anchor class 1 has both as partners.
        var forget = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);
        double second = Math.Log(Math.Exp(0) + Math.Exp(2)) - 1; // logits (0, 2): LSE - mean
        Assert.Equal(second, ContrastiveLoss.Unlearning(forget, tensor(new long[] { 0, 1 }), retain, retainLabels, 0.5).item<float>(), 5);
        var none = ContrastiveLoss.Unlearning(forget, tensor(new long[] { 0, 0 }), retain, retainLabels, 0.5);
        Assert.Equal(0f, none.item<float>());

        // One forgotten class: no different-class forget pairs, so UUEF's forget-only loss is 0.
        var embeddings = randn(6, 4).requires_grad_();
        var single = ContrastiveLoss.ForgetOnly(embeddings, full(6, 3, dtype: int64), 1.0);
        Assert.Equal(0f, single.item<float>());
        single.backward();
        Assert.Equal(0f, embeddings.grad!.abs().sum().item<float>());
    }

    [Fact]
    public void Forget_only_variant_matches_a_hand_value()
    {
        using var scope = NewDisposeScope();
        // Three forget samples at (1,0) class 0, (0,1) class 1, (1,0) class 1; t = 1; denominators include the anchor itself.
        var z = tensor(new float[] { 1, 0, 0, 1, 1, 0 }, [3, 2]);
        var labels = tensor(new long[] { 0, 1, 1 });
        double lse0 = Math.Log(Math.E + 1 + Math.E);        // anchor 0: sims (1, 0, 1); partners 1, 2
        double a0 = lse0 - (0 + 1) / 2.0;
        double lse1 = Math.Log(1 + Math.E + 1);             // anchor 1: sims (0, 1, 0); partner 0
        double a1 = lse1 - 0;
        double lse2 = Math.Log(Math.E + 1 + Math.E);        // anchor 2: sims (1, 0, 1); partner 0
        double a2 = lse2 - 1;
        Assert.Equal((a0 + a1 + a2) / 3, ContrastiveLoss.ForgetOnly(z, labels, 1.0).item<float>(), 5);
    }

    // ---- Options ------------------------------------------------------------------------------

    [Fact]
    public void Bad_options_are_refused_with_the_option_named()
    {
        new SalUnOptions(1.0).Validate();
        foreach (var bad in new[] { 0, -0.1, 1.5, double.NaN })
            Assert.Contains("sparsity", Assert.Throws<ArgumentException>(() => new SalUnOptions(bad).Validate()).Message);
        Assert.Throws<ArgumentException>(() => new ScrubOptions(MaxSteps: -1).Validate());
        Assert.Throws<ArgumentException>(() => new ScrubOptions(Temperature: 0).Validate());
        Assert.Throws<ArgumentException>(() => new ScrubOptions(Alpha: 0, Gamma: 0).Validate());
        Assert.Throws<ArgumentException>(() => new L1SparseOptions(-1e-4).Validate());
        Assert.Throws<ArgumentException>(() => new ContrastiveUnlearningOptions(Temperature: 0).Validate());
        Assert.Throws<ArgumentException>(() => new ContrastiveUnlearningOptions(RetainWeight: double.NaN).Validate());
        Assert.Equal(["salun", "scrub", "l1-sparse", "cu"],
            new IUnlearningMethod[] { new SalUn(), new Scrub(), new L1Sparse(), new ContrastiveUnlearning() }.Select(m => m.Name));
    }
}
