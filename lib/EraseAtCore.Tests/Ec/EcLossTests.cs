using EraseAtCore.Ec;
using EraseAtCore.Runtime;
using EraseAtCore.Unlearning;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Ec;

/// <summary>EC's losses and weights on tiny hand-made embeddings: values, signs and gradient directions.</summary>
public sealed class EcLossTests
{
    public EcLossTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Forget_negatives_push_an_anchor_away_from_its_own_class_and_toward_the_others()
    {
        using var scope = NewDisposeScope();
        // Whole-class forgetting: every retain sample has another class, so without forget negatives the loss only
        // asks for equal similarity to both retain points; with a same-class forget partner at (1,0) it also
        // pushes the anchor away from that partner.
        var retain = tensor(new float[] { 0, 1, -1, 0 }, [2, 2]);
        var retainLabels = tensor(new long[] { 1, 2 });
        var partner = tensor(new float[] { 1, 0 }, [1, 2]);
        var labels = tensor(new long[] { 0, 0 });
        double Loss(double angle, bool negatives) => ContrastiveLoss.Unlearning(
            cat([tensor(new float[] { (float)Math.Cos(angle), (float)Math.Sin(angle) }, [1, 2]), partner], 0), labels,
            retain, retainLabels, 0.5, negatives).item<float>();

        // Hand value at angle pi/2 (anchor = retain point 1) for anchor 0, and the partner anchor (1,0):
        // anchor 0: logits to retain (2, 0), to partner 0 -> L = LSE(2, 0, 0) - mean(2, 0)
        // anchor 1: logits to retain (0, -2), to anchor 0 0 -> L = LSE(0, -2, 0) - mean(0, -2)
        double a0 = Math.Log(Math.Exp(2) + 2) - 1, a1 = Math.Log(2 + Math.Exp(-2)) + 1;
        Assert.Equal((a0 + a1) / 2, Loss(Math.PI / 2, true), 5);

        // Moving anchor 0 from its partner (angle 0) toward the retain points lowers the loss only with negatives.
        Assert.True(Loss(0.1, true) > Loss(1.2, true), "with forget negatives, leaving the own-class partner must lower the loss");
        double flatNear = Loss(0.1, false), flatFar = Loss(1.2, false);
        Assert.True(Math.Abs(flatNear - flatFar) < Math.Abs(Loss(0.1, true) - Loss(1.2, true)),
            "without negatives the loss should change less along the same path");

        // Gradient descent on anchor 0 at angle 0.3 moves it away from (1,0).
        var anchor = tensor(new float[] { (float)Math.Cos(0.3), (float)Math.Sin(0.3) }, [1, 2]).requires_grad_();
        ContrastiveLoss.Unlearning(cat([anchor, partner], 0), labels, retain, retainLabels, 0.5, forgetNegatives: true).backward();
        var step = anchor.grad!.neg().flatten().data<float>().ToArray();
        Assert.True(step[0] < 0, $"descent should reduce the anchor's x (its similarity to the partner at (1,0)); step {step[0]:G4}, {step[1]:G4}");
    }

    [Fact]
    public void Layer_weights_follow_their_schedules_and_refuse_a_wrong_length()
    {
        Assert.Equal(new[] { 1.0, 1, 1, 1 }, LayerWeights.For(LayerWeighting.Uniform, 4));
        Assert.Equal(new[] { 0.25, 0.5, 0.75, 1.0 }, LayerWeights.For(LayerWeighting.DepthIncreasing, 4));
        Assert.Equal(new[] { 0.0, 2.0 }, LayerWeights.For(LayerWeighting.Explicit, 2, [0, 2]));
        var error = Assert.Throws<ArgumentException>(() => LayerWeights.For(LayerWeighting.Explicit, 4, [1, 2]));
        Assert.Contains("one weight per point", error.Message);
        Assert.Throws<ArgumentException>(() => new EcOptions { A = 0, B = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new EcOptions { Temperature = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new EcOptions { Weighting = LayerWeighting.Explicit }.Validate());
    }

    [Fact]
    public void Deep_supervision_cross_entropy_pulls_a_head_toward_the_true_class()
    {
        using var scope = NewDisposeScope();
        // The CE EC applies at each point is the plain retain cross-entropy of the head's logits: its descent
        // direction raises the true class's logit and lowers the others.
        var logits = zeros(1, 3).requires_grad_();
        Losses.CrossEntropy(logits, tensor(new long[] { 1 })).backward();
        var step = logits.grad!.neg().flatten().data<float>().ToArray();
        Assert.True(step[1] > 0 && step[0] < 0 && step[2] < 0, $"descent step {string.Join(", ", step)}");
    }
}
