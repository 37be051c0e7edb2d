using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Metrics;

/// <summary>
/// MIA-efficacy on synthetic logits whose answer is known: one distribution for everything (≈0.5, the attack
/// learns nothing), forget logits like the test set's while the retain set is confidently fitted (≈1), forget
/// logits like the retain set's (≈0); hand-computed signal values; and the model overload's bookkeeping.
/// </summary>
public sealed class MembershipInferenceTests
{
    public MembershipInferenceTests() => TorchRuntime.EnsureLoaded();

    static readonly MiaFeature[] Continuous = [MiaFeature.Confidence, MiaFeature.Entropy, MiaFeature.ModifiedEntropy];

    /// <summary>n logits over <paramref name="classes"/> classes: Gaussian noise plus <paramref name="margin"/> on the (random) true class.</summary>
    static (Tensor Logits, Tensor Labels) Logits(int n, int classes, double margin, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n * classes];
        var y = new long[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = rng.Next(classes);
            for (int c = 0; c < classes; c++) x[i * classes + c] = (float)(LinearProbeTests.Gaussian(rng) + (c == y[i] ? margin : 0));
        }
        return (tensor(x, [n, classes]), tensor(y));
    }

    [Fact]
    public void One_distribution_for_all_sets_gives_about_one_half()
    {
        using var _ = NewDisposeScope();
        foreach (var feature in Continuous)
            for (int seed = 0; seed < 3; seed++)
            {
                // A well-fitted model's logits (margin 5), but members, non-members and forget samples all alike.
                var (r, ry) = Logits(3000, 10, 5, 100 + seed);
                var (t, ty) = Logits(2000, 10, 5, 200 + seed);
                var (f, fy) = Logits(1000, 10, 5, 300 + seed);
                var result = MembershipInference.Efficacy(r, ry, t, ty, f, fy, feature, seed);
                Assert.InRange(result.Efficacy, 0.35, 0.65);
                Assert.InRange(result.TrainAccuracy, 0.46, 0.56); // the attack learned nothing
                Assert.Equal((2000, 2000, 1000), (result.Members, result.NonMembers, result.Forget));
                Assert.Equal(feature, result.Feature);
            }
    }

    [Fact]
    public void Forget_samples_that_look_like_test_samples_are_judged_non_members()
    {
        using var _ = NewDisposeScope();
        var (r, ry) = Logits(2000, 10, 8, 1);   // retain: confidently fitted
        var (t, ty) = Logits(2000, 10, 1, 2);   // test: ambiguous
        var (f, fy) = Logits(500, 10, 1, 3);    // forget: as if never seen
        foreach (var feature in Continuous)
        {
            var result = MembershipInference.Efficacy(r, ry, t, ty, f, fy, feature);
            Assert.True(result.Efficacy > 0.9, $"{feature}: efficacy {result.Efficacy}");
            Assert.True(result.TrainAccuracy > 0.9, $"{feature}: attack accuracy {result.TrainAccuracy}");
        }
        // Correctness: every retain sample is right, so exactly the misclassified forget samples look unseen.
        var byCorrectness = MembershipInference.Efficacy(r, ry, t, ty, f, fy, MiaFeature.Correctness);
        double wrong = f.argmax(1).ne(fy).to(ScalarType.Float64).mean().item<double>();
        Assert.Equal(wrong, byCorrectness.Efficacy, 12);
    }

    [Fact]
    public void Forget_samples_that_look_like_retain_samples_are_judged_members()
    {
        using var _ = NewDisposeScope();
        var (r, ry) = Logits(2000, 10, 8, 1);
        var (t, ty) = Logits(2000, 10, 1, 2);
        var (f, fy) = Logits(500, 10, 8, 3);    // forget: still fitted like the retain set (nothing unlearned)
        foreach (var feature in Enum.GetValues<MiaFeature>())
        {
            var result = MembershipInference.Efficacy(r, ry, t, ty, f, fy, feature);
            Assert.True(result.Efficacy < 0.1, $"{feature}: efficacy {result.Efficacy}");
        }
    }

    [Fact]
    public void Signals_match_hand_computed_values()
    {
        using var _ = NewDisposeScope();
        // Row 0: p = (1/2, 1/2), label 0. Rows 1, 2: p = (3/4, 1/4), labels 1 and 0.
        var logits = tensor(new float[] { 0, 0, MathF.Log(3), 0, MathF.Log(3), 0 }, [3, 2]);
        var labels = tensor(new long[] { 0, 1, 0 });
        double[] Signal(MiaFeature f) => MembershipInference.Features(logits, labels, f).flatten().data<double>().ToArray();

        Assert.Equal(new[] { 1.0, 0.0, 1.0 }, Signal(MiaFeature.Correctness));
        AssertClose([0.5, 0.25, 0.75], Signal(MiaFeature.Confidence));
        double h = -(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25));
        AssertClose([Math.Log(2), h, h], Signal(MiaFeature.Entropy));
        // -(1 - p_y) log p_y - Σ_{i≠y} p_i log(1 - p_i)
        AssertClose([Math.Log(2), 1.5 * Math.Log(4), -0.5 * Math.Log(0.75)], Signal(MiaFeature.ModifiedEntropy));
        Assert.Equal(ScalarType.Float64, MembershipInference.Features(logits, labels, MiaFeature.Entropy).dtype);
    }

    static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 6);
    }

    [Fact]
    public void Balancing_is_seeded_and_repeatable()
    {
        using var _ = NewDisposeScope();
        var (r, ry) = Logits(900, 10, 3, 1);
        var (t, ty) = Logits(300, 10, 2, 2);
        var (f, fy) = Logits(200, 10, 2.5, 3);
        var a = MembershipInference.Efficacy(r, ry, t, ty, f, fy, seed: 7);
        var b = MembershipInference.Efficacy(r, ry, t, ty, f, fy, seed: 7);
        Assert.Equal(a, b);
        Assert.Equal((300, 300), (a.Members, a.NonMembers));
        // The test set is the larger one here: it is the one subsampled.
        var swapped = MembershipInference.Efficacy(t.narrow(0, 0, 100), ty.narrow(0, 0, 100), r, ry, f, fy, seed: 7);
        Assert.Equal((100, 100), (swapped.Members, swapped.NonMembers));
        // Another seed draws other members (900 -> 300), so the attack and its accuracy move.
        var others = Enumerable.Range(8, 5).Select(s => MembershipInference.Efficacy(r, ry, t, ty, f, fy, seed: s).TrainAccuracy);
        Assert.Contains(others, acc => acc != a.TrainAccuracy);
    }

    [Fact]
    public void The_model_overload_uses_test_retain_as_non_members_and_equals_the_tensor_version()
    {
        using var _ = NewDisposeScope();
        Seeding.Seed(0);
        using var model = ResNet.ResNet18(1, 5, 4);
        var data = new Dataset("synthetic", ["a", "b", "c", "d", "e"], RandomImages(60, 1), RandomImages(40, 2), "memory");
        foreach (var split in new[] { ForgetSplit.Classes(data, 1), ForgetSplit.Samples(data, 0.2, seed: 3) })
        {
            var result = MembershipInference.Efficacy(model, split, new Feed(Normalization.FashionMnist, CPU), MiaFeature.Entropy, seed: 5);
            using var retain = FeatureExtractor.Extract(model, split.Train.Retain, new Feed(Normalization.FashionMnist, CPU), []);
            using var test = FeatureExtractor.Extract(model, split.Test.Retain, new Feed(Normalization.FashionMnist, CPU), []);
            using var forget = FeatureExtractor.Extract(model, split.Train.Forget, new Feed(Normalization.FashionMnist, CPU), []);
            var expected = MembershipInference.Efficacy(retain.Logits, retain.Labels, test.Logits, test.Labels,
                forget.Logits, forget.Labels, MiaFeature.Entropy, seed: 5);
            Assert.Equal(expected, result);
            Assert.Equal(Math.Min(split.Train.Retain.Count, split.Test.Retain.Count), result.Members);
            Assert.Equal(split.Train.Forget.Count, result.Forget);
        }
        Assert.Equal(32, MembershipInference.Efficacy(model, ForgetSplit.Classes(data, 1), new Feed(Normalization.FashionMnist, CPU)).NonMembers); // 4 retained classes x 8 test images
    }

    /// <summary>Random 16x16 single-channel images, labels cycling through 5 classes.</summary>
    static ImageSet RandomImages(int count, int seed)
    {
        var pixels = new byte[count * 256];
        new Random(seed).NextBytes(pixels);
        return new ImageSet(pixels, Enumerable.Range(0, count).Select(i => i % 5).ToArray(), 1, 16, 16, 5);
    }

    [Fact]
    public void Bad_inputs_are_refused_with_the_argument_named()
    {
        using var _ = NewDisposeScope();
        var (r, ry) = Logits(20, 4, 2, 1);
        var (t, ty) = Logits(20, 4, 2, 2);
        var (f, fy) = Logits(10, 4, 2, 3);
        var (f3, f3y) = Logits(10, 3, 2, 3);
        Assert.Contains("3 classes but the retain logits have 4", Assert.Throws<ArgumentException>(() => MembershipInference.Efficacy(r, ry, t, ty, f3, f3y)).Message);
        Assert.Contains("forgetLabels has 9 labels", Assert.Throws<ArgumentException>(() => MembershipInference.Efficacy(r, ry, t, ty, f, fy.narrow(0, 0, 9))).Message);
        Assert.Contains("outside the classes", Assert.Throws<ArgumentException>(() => MembershipInference.Efficacy(r, ry + 4, t, ty, f, fy)).Message);
        Assert.Contains("testLogits has no rows", Assert.Throws<ArgumentException>(() =>
            MembershipInference.Efficacy(r, ry, zeros(0, 4), zeros(0, dtype: ScalarType.Int64), f, fy)).Message);
        Assert.Contains("int64", Assert.Throws<ArgumentException>(() => MembershipInference.Efficacy(r, ry.to(ScalarType.Int32), t, ty, f, fy)).Message);
        Assert.Contains("at least 2 classes", Assert.Throws<ArgumentException>(() =>
            MembershipInference.Features(zeros(3, 1), zeros(3, dtype: ScalarType.Int64), MiaFeature.Entropy)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => MembershipInference.Efficacy(r, ry, t, ty, f, fy, (MiaFeature)42));
    }
}
