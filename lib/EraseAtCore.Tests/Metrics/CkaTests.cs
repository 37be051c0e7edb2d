using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Metrics;

/// <summary>CKA: the invariances that define it, independent reference values, and the agreement of its exact forms.</summary>
public sealed class CkaTests
{
    public CkaTests() => TorchRuntime.EnsureLoaded();

    static Tensor Randn(int seed, long n, long d)
    {
        manual_seed(seed);
        return randn(n, d, dtype: float64);
    }

    static Tensor Orthogonal(int seed, long d)
    {
        var (q, r) = linalg.qr(Randn(seed, d, d));
        r.Dispose();
        return q;
    }

    // Y = a noisy nonlinear function of X: related, but CKA strictly between 0 and 1.
    static Tensor Related(Tensor x, int seed, long d2)
    {
        var w = Randn(seed, x.shape[1], d2);
        return (x.matmul(w).tanh() + 0.5 * Randn(seed + 1, x.shape[0], d2));
    }

    public static TheoryData<bool, LinearCkaForm> LinearVariants => new()
    {
        { false, LinearCkaForm.Feature }, { false, LinearCkaForm.Gram }, { true, LinearCkaForm.Feature }, { true, LinearCkaForm.Gram },
    };

    [Theory]
    [MemberData(nameof(LinearVariants))]
    public void Linear_cka_of_X_and_an_orthogonal_transform_of_X_is_one(bool debiased, LinearCkaForm form)
    {
        using var scope = NewDisposeScope();
        var x = Randn(1, 60, 8);
        Assert.Equal(1.0, Cka.Linear(x, x.matmul(Orthogonal(2, 8)), debiased, form), 10);
        // And the invariance holds for a pair that is not identical: rotating one side changes nothing.
        var y = Related(x, 3, 5);
        Assert.Equal(Cka.Linear(x, y, debiased, form), Cka.Linear(x.matmul(Orthogonal(4, 8)), y, debiased, form), 10);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rbf_cka_is_invariant_to_orthogonal_transforms(bool debiased)
    {
        using var scope = NewDisposeScope();
        var x = Randn(5, 40, 6);
        var y = Related(x, 6, 4);
        // Distances are unchanged by Q, so both the Gram matrix and the median bandwidth are.
        Assert.Equal(1.0, Cka.Rbf(x, x.matmul(Orthogonal(7, 6)), debiased: debiased), 10);
        Assert.Equal(Cka.Rbf(x, y, debiased: debiased), Cka.Rbf(x.matmul(Orthogonal(8, 6)), y, debiased: debiased), 10);
    }

    [Theory]
    [InlineData(CkaKernel.Linear, false)]
    [InlineData(CkaKernel.Linear, true)]
    [InlineData(CkaKernel.Rbf, false)]
    [InlineData(CkaKernel.Rbf, true)]
    public void Cka_is_invariant_to_isotropic_scaling_and_shifts(CkaKernel kernel, bool debiased)
    {
        using var scope = NewDisposeScope();
        var x = Randn(9, 50, 7);
        var y = Related(x, 10, 3);
        double reference = Cka.Compute(x, y, kernel, debiased);
        var shift = Randn(11, 1, 7) * 40;   // one constant vector added to every row
        Assert.Equal(reference, Cka.Compute(x * 3.7, y, kernel, debiased), 9);
        Assert.Equal(reference, Cka.Compute(x + shift, y, kernel, debiased), 9);
        Assert.Equal(reference, Cka.Compute(0.01 * x - shift, y * 250 + 3, kernel, debiased), 9);
    }

    [Fact]
    public void Linear_cka_is_not_invariant_to_non_isotropic_scaling()
    {
        // What separates CKA from CCA (Kornblith et al. 2019, section 3): stretching one axis changes it.
        using var scope = NewDisposeScope();
        var x = Randn(12, 80, 4);
        var stretch = tensor(new double[] { 1, 1, 1, 10 });
        Assert.True(Cka.Linear(x, x * stretch) < 0.9);
    }

    [Fact]
    public void Values_lie_in_zero_one_on_random_data()
    {
        using var scope = NewDisposeScope();
        for (int seed = 0; seed < 6; seed++)
        {
            var x = Randn(100 + seed, 30, 1 + seed * 3);
            var y = seed % 2 == 0 ? Related(x, 200 + seed, 5) : Randn(300 + seed, 30, 9);
            foreach (var kernel in new[] { CkaKernel.Linear, CkaKernel.Rbf })
            {
                double v = Cka.Compute(x, y, kernel);
                Assert.InRange(v, 0.0, 1.0);
            }
        }
    }

    [Fact]
    public void Independent_representations_score_near_zero_and_debiased_is_centred_on_zero()
    {
        using var scope = NewDisposeScope();
        var biased = new List<double>();
        var debiased = new List<double>();
        for (int seed = 0; seed < 5; seed++)
        {
            var x = Randn(400 + seed, 2000, 8);
            var y = Randn(500 + seed, 2000, 12);
            biased.Add(Cka.Linear(x, y));
            debiased.Add(Cka.Linear(x, y, debiased: true));
        }
        // Biased CKA of independent data is positive, about sqrt(d1 d2)/n; the unbiased estimator removes that offset.
        Assert.All(biased, v => Assert.InRange(v, 0.002, 0.02));
        Assert.All(debiased, v => Assert.InRange(v, -0.005, 0.005));
        Assert.True(Math.Abs(debiased.Average()) < biased.Average() / 3);
    }

    [Fact]
    public void One_dimensional_linear_cka_is_the_squared_correlation_computed_by_hand()
    {
        // x = 0 1 2 3, y = 0 1 0 1: centred x = -1.5 -0.5 0.5 1.5 (|xc|^2 = 5), centred y = +-0.5 (|yc|^2 = 1), xc.yc = 1.
        // For one feature each, CKA = (xc.yc)^2 / (|xc|^2 |yc|^2) = r^2 = 1/5.
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 0, 1, 2, 3 }).reshape(4, 1);
        var y = tensor(new float[] { 0, 1, 0, 1 }).reshape(4, 1);
        Assert.Equal(0.2, Cka.Linear(x, y, false, LinearCkaForm.Feature), 12);
        Assert.Equal(0.2, Cka.Linear(x, y, false, LinearCkaForm.Gram), 12);
    }

    static readonly double[][] SmallX = [[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0], [0.0, 3.0], [1.0, -2.5]];
    static readonly double[][] SmallY = [[1.0, 0.0, 2.0], [-0.5, 1.5, 0.0], [2.5, -1.0, 1.0], [0.0, 0.5, -1.5], [1.5, 2.0, 0.5]];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Small_case_matches_a_plain_double_reference(bool debiased)
    {
        using var scope = NewDisposeScope();
        var x = tensor(SmallX.SelectMany(r => r).ToArray()).reshape(5, 2);
        var y = tensor(SmallY.SelectMany(r => r).ToArray()).reshape(5, 3);
        double linear = Reference.Cka(Reference.LinearGram(SmallX), Reference.LinearGram(SmallY), debiased);
        double rbf = Reference.Cka(Reference.RbfGram(SmallX), Reference.RbfGram(SmallY), debiased);
        Assert.Equal(linear, Cka.Linear(x, y, debiased, LinearCkaForm.Feature), 12);
        Assert.Equal(linear, Cka.Linear(x, y, debiased, LinearCkaForm.Gram), 12);
        Assert.Equal(rbf, Cka.Rbf(x, y, debiased: debiased), 12);
        Assert.Equal(Reference.MedianDistance(SmallX), CkaKernels.MedianDistance(x), 12);
        Assert.InRange(linear, 0.05, 0.95);   // a case where the value says something
    }

    [Theory]
    [InlineData(200, 10, 30)]
    [InlineData(20, 40, 55)]   // d > n: feature form still exact
    [InlineData(7, 3, 1)]
    public void Feature_form_equals_gram_form(int n, int d1, int d2)
    {
        using var scope = NewDisposeScope();
        var x = Randn(20 + n, n, d1) + 5;
        var y = Related(x, 21 + n, d2);
        foreach (bool debiased in new[] { false, true })
            Assert.Equal(Cka.Linear(x, y, debiased, LinearCkaForm.Gram), Cka.Linear(x, y, debiased, LinearCkaForm.Feature), 10);
    }

    [Fact]
    public void Auto_form_picks_the_cheaper_exact_form()
    {
        Assert.Equal(LinearCkaForm.Feature, Cka.ChooseForm(10_000, 128, 128));
        Assert.Equal(LinearCkaForm.Feature, Cka.ChooseForm(512, 64, 256));
        Assert.Equal(LinearCkaForm.Gram, Cka.ChooseForm(512, 12_544, 12_544));   // flattened feature maps on one batch
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Streaming_accumulator_equals_one_shot_on_uneven_batches(bool debiased)
    {
        using var scope = NewDisposeScope();
        // Features far from zero (like ReLU activations) and float32, as the extractor delivers them.
        var x = (Randn(30, 100, 6) + 100).to(float32);
        var y = (Related(x.to(float64), 31, 9).relu() * 3 + 50).to(float32);
        using var accumulator = new LinearCkaAccumulator(debiased);
        long start = 0;
        foreach (int size in new[] { 7, 1, 0, 30, 13, 49 })
        {
            accumulator.Add(x.narrow(0, start, size), y.narrow(0, start, size));
            start += size;
        }
        Assert.Equal(100, accumulator.Count);
        Assert.Equal(Cka.Linear(x, y, debiased, LinearCkaForm.Gram), accumulator.Value(), 9);
    }

    [Fact]
    public void Accumulator_rejects_inconsistent_batches_and_too_few_rows()
    {
        using var scope = NewDisposeScope();
        using var accumulator = new LinearCkaAccumulator(debiased: true);
        accumulator.Add(Randn(40, 3, 4), Randn(41, 3, 2));
        Assert.Contains("at least 4", Assert.Throws<InvalidOperationException>(() => accumulator.Value()).Message);
        Assert.Contains("features", Assert.Throws<ArgumentException>(() => accumulator.Add(Randn(42, 3, 5), Randn(43, 3, 2))).Message);
        Assert.Throws<ArgumentException>(() => accumulator.Add(Randn(44, 3, 4), Randn(45, 2, 2)));
    }

    [Theory]
    [InlineData(CkaKernel.Linear)]
    [InlineData(CkaKernel.Rbf)]
    public void Batch_averaged_cka_of_identical_inputs_is_one(CkaKernel kernel)
    {
        using var scope = NewDisposeScope();
        var x = Randn(50, 70, 5);
        Assert.Equal(1.0, Cka.BatchAveraged(x, x.clone(), 16, kernel), 10);
    }

    [Theory]
    [InlineData(23, 2)]   // batches 10, 10, and a last 3 rows dropped
    [InlineData(24, 3)]   // batches 10, 10, 4: the last counts
    public void Batch_averaged_cka_is_the_plain_mean_over_batches(int n, int batches)
    {
        using var scope = NewDisposeScope();
        var x = Randn(60, n, 4);
        var y = Related(x, 61, 3);
        var expected = Enumerable.Range(0, batches)
            .Select(b => Cka.Linear(x.narrow(0, b * 10, Math.Min(10, n - b * 10)), y.narrow(0, b * 10, Math.Min(10, n - b * 10))))
            .Average();
        Assert.Equal(batches, Cka.BatchCount(n, 10));
        Assert.Equal(expected, Cka.BatchAveraged(x, y, 10, CkaKernel.Linear), 12);
        Assert.NotEqual(Cka.Linear(x, y), Cka.BatchAveraged(x, y, 10, CkaKernel.Linear), 6);   // not the all-at-once value
    }

    [Fact]
    public void Mismatched_or_too_small_inputs_fail_clearly()
    {
        using var scope = NewDisposeScope();
        var rows = Assert.Throws<ArgumentException>(() => Cka.Linear(Randn(70, 10, 3), Randn(71, 9, 3)));
        Assert.Contains("10 rows", rows.Message);
        Assert.Contains("9", rows.Message);
        Assert.Throws<ArgumentException>(() => Cka.Rbf(Randn(72, 10, 3), Randn(73, 11, 3)));
        Assert.Contains("at least 4", Assert.Throws<ArgumentException>(() => Cka.Linear(Randn(74, 3, 2), Randn(75, 3, 2), debiased: true)).Message);
        Assert.Throws<ArgumentException>(() => Cka.Linear(randn(10), randn(10)));
        Assert.Throws<ArgumentException>(() => Cka.BatchAveraged(Randn(76, 10, 2), Randn(77, 10, 2), 3, CkaKernel.Linear));
        Assert.Throws<ArgumentException>(() => Cka.Rbf(Randn(78, 10, 2), Randn(79, 10, 2), sigmaFraction: 0));
    }

    [Fact]
    public void A_representation_without_variance_gives_nan()
    {
        using var scope = NewDisposeScope();
        var constant = ones(12, 3, dtype: float64) * 7;
        Assert.True(double.IsNaN(Cka.Linear(constant, Randn(80, 12, 3))));
        Assert.True(double.IsNaN(Cka.Rbf(constant, Randn(81, 12, 3))));
    }

    [Fact]
    public void Layerwise_compares_the_common_stages_in_order_and_checks_the_images()
    {
        using var scope = NewDisposeScope();
        var labels = arange(30, dtype: int64).remainder(3);
        var s1 = Randn(90, 30, 8).to(float32);
        var s2 = Randn(91, 30, 5).to(float32);
        using var a = new StageFeatures(new Dictionary<string, Tensor> { ["layer1"] = s1.alias(), ["layer2"] = s2.alias() },
            zeros(30, 3), labels.alias(), FeatureForm.Pooled);
        // b: layer1 rotated (CKA 1), layer2 unrelated, plus a stage a lacks.
        using var b = new StageFeatures(new Dictionary<string, Tensor>
            {
                ["layer2"] = Randn(92, 30, 5).to(float32), ["layer1"] = s1.to(float64).matmul(Orthogonal(93, 8)).to(float32), ["layer3"] = Randn(94, 30, 2),
            },
            zeros(30, 3), labels.alias(), FeatureForm.Pooled);
        var result = LayerwiseCka.Compare(a, b);
        Assert.Equal(new[] { "layer1", "layer2" }, result.Keys.ToArray());
        Assert.Equal(1.0, result["layer1"], 5);
        Assert.True(result["layer2"] < 0.6);
        Assert.Equal(Cka.Linear(s2, b.Stages["layer2"], debiased: true), LayerwiseCka.Compare(a, b, debiased: true)["layer2"], 12);

        using var shuffled = new StageFeatures(new Dictionary<string, Tensor> { ["layer1"] = s1.alias() }, zeros(30, 3), labels.roll(1), FeatureForm.Pooled);
        Assert.Contains("same images", Assert.Throws<ArgumentException>(() => LayerwiseCka.Compare(a, shuffled)).Message);
        using var fewer = new StageFeatures(new Dictionary<string, Tensor> { ["layer1"] = s1.narrow(0, 0, 20) }, zeros(20, 3), labels.narrow(0, 0, 20), FeatureForm.Pooled);
        Assert.Contains("20", Assert.Throws<ArgumentException>(() => LayerwiseCka.Compare(a, fewer)).Message);
    }

    [Fact]
    public void Layerwise_from_models_extracts_once_and_scores_a_model_against_itself_as_one()
    {
        var rng = new Random(0);
        var pixels = new byte[12 * 28 * 28];
        rng.NextBytes(pixels);
        var set = new ImageSet(pixels, Enumerable.Range(0, 12).Select(i => i % 10).ToArray(), 1, 28, 28, 10);
        Seeding.Seed(0);
        using var first = new ModelSpec("resnet18", 1, 10, 4).Create();
        Seeding.Seed(1);
        using var second = new ModelSpec("resnet18", 1, 10, 4).Create();
        var self = LayerwiseCka.Compare(first, first, set, new Feed(Normalization.FashionMnist, CPU), batchSize: 12);
        var other = LayerwiseCka.Compare(first, second, set, new Feed(Normalization.FashionMnist, CPU), new CkaSettings(BatchSize: 6), batchSize: 12);
        Assert.Equal(first.StageNames.ToArray(), self.Keys.ToArray());
        Assert.All(self.Values, v => Assert.Equal(1.0, v, 6));
        Assert.All(other.Values, v => Assert.InRange(v, 0.0, 1.0));
        Assert.Contains(other.Values, v => v < 0.999);
    }

    /// <summary>CKA from its definitions with plain doubles and loops: no tensor code shared with the library.</summary>
    static class Reference
    {
        public static double[,] LinearGram(double[][] x)
        {
            int n = x.Length;
            var k = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    k[i, j] = x[i].Zip(x[j], (a, b) => a * b).Sum();
            return k;
        }

        static double SquaredDistance(double[] a, double[] b) => a.Zip(b, (p, q) => (p - q) * (p - q)).Sum();

        // Lower median of the non-zero pairwise distances, as the library documents (UUEF's choice).
        public static double MedianDistance(double[][] x)
        {
            var d = new List<double>();
            for (int i = 0; i < x.Length; i++)
                for (int j = i + 1; j < x.Length; j++)
                    if (SquaredDistance(x[i], x[j]) > 0) d.Add(Math.Sqrt(SquaredDistance(x[i], x[j])));
            d.Sort();
            return d[(d.Count - 1) / 2];
        }

        public static double[,] RbfGram(double[][] x)
        {
            int n = x.Length;
            double sigma = MedianDistance(x);
            var k = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    k[i, j] = Math.Exp(-SquaredDistance(x[i], x[j]) / (2 * sigma * sigma));
            return k;
        }

        // Biased: tr(K H L H) with H = I - 11'/n formed explicitly.
        static double BiasedHsic(double[,] k, double[,] l)
        {
            int n = k.GetLength(0);
            var h = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    h[i, j] = (i == j ? 1 : 0) - 1.0 / n;
            var khlh = Multiply(Multiply(Multiply(k, h), l), h);
            double trace = 0;
            for (int i = 0; i < n; i++) trace += khlh[i, i];
            return trace;
        }

        // Unbiased: the U-statistic over ordered 4-tuples of distinct examples (Song et al. 2012, theorem 2),
        // h = K_ij L_ij + K_ij L_qr - 2 K_ij L_iq, averaged; the library uses the closed form instead.
        static double UnbiasedHsic(double[,] k, double[,] l)
        {
            int n = k.GetLength(0);
            double sum = 0;
            long count = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    for (int q = 0; q < n; q++)
                        for (int r = 0; r < n; r++)
                        {
                            if (i == j || i == q || i == r || j == q || j == r || q == r) continue;
                            sum += k[i, j] * l[i, j] + k[i, j] * l[q, r] - 2 * k[i, j] * l[i, q];
                            count++;
                        }
            return sum / count;
        }

        public static double Cka(double[,] k, double[,] l, bool debiased)
        {
            Func<double[,], double[,], double> hsic = debiased ? UnbiasedHsic : BiasedHsic;
            return hsic(k, l) / Math.Sqrt(hsic(k, k) * hsic(l, l));
        }

        static double[,] Multiply(double[,] a, double[,] b)
        {
            int n = a.GetLength(0);
            var c = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    for (int t = 0; t < n; t++)
                        c[i, j] += a[i, t] * b[t, j];
            return c;
        }
    }
}
