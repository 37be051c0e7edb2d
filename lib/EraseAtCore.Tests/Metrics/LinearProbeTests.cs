using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Metrics;

/// <summary>
/// Linear probes on synthetic features whose answer is known: separated Gaussian blobs (≈100%), shuffled
/// labels (chance), two classes that share one blob (forget-class accuracy ≈ 50% on exactly those classes).
/// </summary>
public sealed class LinearProbeTests
{
    public LinearProbeTests() => TorchRuntime.EnsureLoaded();

    /// <summary>n points of <paramref name="classes"/> Gaussian blobs in d dimensions; centre c sits <paramref name="spread"/> apart per coordinate.</summary>
    internal static (Tensor Features, Tensor Labels) Blobs(int n, int d, int classes, double spread, int seed, Func<int, int>? centreOf = null)
    {
        var rng = new Random(seed);
        var centres = new double[classes, d];
        var centreRng = new Random(1000); // same centres for every seed: train and test share them
        for (int c = 0; c < classes; c++)
            for (int j = 0; j < d; j++) centres[c, j] = spread * Gaussian(centreRng);
        var x = new float[n * d];
        var y = new long[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % classes;
            int centre = centreOf?.Invoke(c) ?? c;
            y[i] = c;
            for (int j = 0; j < d; j++) x[i * d + j] = (float)(centres[centre, j] + Gaussian(rng));
        }
        return (tensor(x, [n, d]), tensor(y));
    }

    internal static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    static Tensor Shuffled(Tensor labels, int seed)
    {
        var values = labels.data<long>().ToArray();
        new Random(seed).Shuffle(values);
        return tensor(values);
    }

    [Fact]
    public void Separated_blobs_are_probed_almost_perfectly()
    {
        using var _ = NewDisposeScope();
        var (xTrain, yTrain) = Blobs(1000, 16, 10, 3, seed: 1);
        var (xTest, yTest) = Blobs(500, 16, 10, 3, seed: 2);
        using var probe = LinearProbe.Fit(xTrain, yTrain, 10);
        var result = LinearProbe.Score(probe, xTest, yTest);
        Assert.True(result.Accuracy > 0.98, $"accuracy {result.Accuracy}");
        Assert.All(result.PerClassAccuracy, a => Assert.True(a > 0.9, $"a class has accuracy {a}"));
        Assert.True(double.IsNaN(result.ForgetClassAccuracy)); // no forget classes named
        Assert.Equal(result.Accuracy, result.RetainClassAccuracy);
        Assert.Equal(16, probe.Features);
        Assert.Equal(10, probe.Classes);
    }

    [Fact]
    public void Shuffled_labels_leave_only_chance()
    {
        using var _ = NewDisposeScope();
        var (xTrain, yTrain) = Blobs(1000, 16, 10, 3, seed: 1);
        var (xTest, yTest) = Blobs(1000, 16, 10, 3, seed: 2);
        using var probe = LinearProbe.Fit(xTrain, Shuffled(yTrain, 5), 10);
        var result = LinearProbe.Score(probe, xTest, Shuffled(yTest, 6));
        Assert.InRange(result.Accuracy, 0.04, 0.17); // chance is 0.10; 1000 test samples give a standard error of 0.01
    }

    [Fact]
    public void Forget_class_accuracy_covers_exactly_the_forget_classes()
    {
        // Classes 2 and 5 share one blob, so the probe cannot tell them apart: about half of each is right.
        Func<int, int> centre = c => c == 5 ? 2 : c;
        using var _ = NewDisposeScope();
        var (xTrain, yTrain) = Blobs(2000, 16, 8, 3, seed: 1, centre);
        var (xTest, yTest) = Blobs(800, 16, 8, 3, seed: 2, centre);
        using var probe = LinearProbe.Fit(xTrain, yTrain, 8);
        var result = LinearProbe.Score(probe, xTest, yTest, [2, 5]);

        var predicted = probe.Predict(xTest).data<long>().ToArray();
        var truth = yTest.data<long>().ToArray();
        double Acc(Func<long, bool> inGroup)
        {
            var rows = Enumerable.Range(0, truth.Length).Where(i => inGroup(truth[i])).ToArray();
            return rows.Count(i => predicted[i] == truth[i]) / (double)rows.Length;
        }
        Assert.Equal(Acc(c => c is 2 or 5), result.ForgetClassAccuracy, 12);
        Assert.Equal(Acc(c => c is not (2 or 5)), result.RetainClassAccuracy, 12);
        Assert.Equal(Acc(_ => true), result.Accuracy, 12);
        Assert.InRange(result.ForgetClassAccuracy, 0.3, 0.7);
        Assert.True(result.RetainClassAccuracy > 0.97, $"retain {result.RetainClassAccuracy}");
        for (int c = 0; c < 8; c++) Assert.Equal(Acc(l => l == c), result.PerClassAccuracy[c], 12);
    }

    [Fact]
    public void The_fit_is_deterministic_and_the_seed_drives_only_the_subsample()
    {
        using var _ = NewDisposeScope();
        var (x, y) = Blobs(600, 32, 6, 1, seed: 3);
        using var a = LinearProbe.Fit(x, y, 6);
        using var b = LinearProbe.Fit(x, y, 6, new ProbeOptions { Seed = 99 }); // no subsample: the seed is unused
        Assert.True(a.Weight.eq(b.Weight).all().item<bool>(), "same data gave different weights");
        Assert.True(a.Bias.eq(b.Bias).all().item<bool>());
        Assert.Equal(a.TrainLoss, b.TrainLoss);

        var sub = new ProbeOptions { MaxTrainSamples = 300, Seed = 1 };
        using var c = LinearProbe.Fit(x, y, 6, sub);
        using var d = LinearProbe.Fit(x, y, 6, sub);
        using var e = LinearProbe.Fit(x, y, 6, sub with { Seed = 2 });
        Assert.True(c.Weight.eq(d.Weight).all().item<bool>(), "same seed gave different weights");
        Assert.False(c.Weight.eq(e.Weight).all().item<bool>(), "another seed drew the same subsample");
    }

    [Fact]
    public void The_optimiser_reaches_the_regularised_optimum()
    {
        // Overlapping blobs: the optimum is interior, so the gradient must vanish there.
        using var _ = NewDisposeScope();
        var (x, y) = Blobs(800, 8, 4, 0.7, seed: 4);
        using var probe = LinearProbe.Fit(x, y, 4, new ProbeOptions { MaxIterations = 500, WeightDecay = 1e-3 });
        Assert.True(probe.Converged);
        // Gradient of the objective at the returned weights, recomputed here with autograd.
        var w = probe.Weight.clone().requires_grad_(true);
        var b = probe.Bias.clone().requires_grad_(true);
        var z = (x - probe.Mean) / probe.Std;
        var loss = nn.functional.cross_entropy(z.matmul(w) + b, y) + 0.5e-3 * w.square().sum();
        loss.backward();
        Assert.True(w.grad!.abs().max().item<float>() < 1e-4, $"weight gradient {w.grad!.abs().max().item<float>()}");
        Assert.True(b.grad!.abs().max().item<float>() < 1e-4);
        Assert.Equal(loss.item<float>(), probe.TrainLoss, 4);
    }

    [Fact]
    public void Evaluate_probes_every_stage_in_order()
    {
        using var _ = NewDisposeScope();
        int[] dims = [16, 32, 64, 128];
        StageFeatures Make(int seed)
        {
            var stages = new Dictionary<string, Tensor>();
            Tensor? labels = null;
            for (int s = 0; s < dims.Length; s++)
            {
                // layer1 carries no class signal; the deeper stages do.
                var (x, y) = Blobs(400, dims[s], 5, s == 0 ? 0 : 2, seed + 10 * s);
                stages[$"layer{s + 1}"] = x.DetachFromDisposeScope();
                labels = y;
            }
            return new StageFeatures(stages, zeros(400, 5).DetachFromDisposeScope(), labels!.DetachFromDisposeScope(), FeatureForm.Pooled);
        }
        using var train = Make(1);
        using var test = Make(2);
        var results = LinearProbe.Evaluate(train, test, [0]);
        Assert.Equal(new[] { "layer1", "layer2", "layer3", "layer4" }, results.Keys);
        Assert.InRange(results["layer1"].Accuracy, 0.05, 0.4);
        foreach (var stage in new[] { "layer2", "layer3", "layer4" })
            Assert.True(results[stage].Accuracy > 0.95, $"{stage}: {results[stage].Accuracy}");
        Assert.All(results.Values, r => Assert.Equal(5, r.PerClassAccuracy.Count));
        Assert.Equal(results["layer3"].PerClassAccuracy[0], results["layer3"].ForgetClassAccuracy);
    }

    [Fact]
    public void Bad_inputs_are_refused_with_the_argument_named()
    {
        using var _ = NewDisposeScope();
        var (x, y) = Blobs(40, 4, 2, 2, seed: 1);
        Assert.Contains("outside the classes", Assert.Throws<ArgumentException>(() => LinearProbe.Fit(x, y + 1, 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearProbe.Fit(x, y, 1));
        Assert.Contains("40 rows", Assert.Throws<ArgumentException>(() => LinearProbe.Fit(x, y.narrow(0, 0, 39), 2)).Message);
        Assert.Contains("int64", Assert.Throws<ArgumentException>(() => LinearProbe.Fit(x, y.to(ScalarType.Int32), 2)).Message);
        Assert.Contains("n x d", Assert.Throws<ArgumentException>(() => LinearProbe.Fit(x.flatten(), y, 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearProbe.Fit(x, y, 2, new ProbeOptions { WeightDecay = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearProbe.Fit(x, y, 2, new ProbeOptions { MaxIterations = 0 }));
        using var probe = LinearProbe.Fit(x, y, 2);
        Assert.Contains("4 features", Assert.Throws<ArgumentException>(() => probe.Predict(zeros(3, 5))).Message);
        Assert.Contains("Forget class 7", Assert.Throws<ArgumentException>(() => LinearProbe.Score(probe, x, y, [7])).Message);
    }
}
