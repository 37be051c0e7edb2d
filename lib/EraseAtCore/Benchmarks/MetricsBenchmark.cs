using System.Diagnostics;
using System.Globalization;
using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Benchmarks;

/// <summary>What to time: the representation metrics of two models on <paramref name="Count"/> images.</summary>
/// <param name="Count">Images n (from <see cref="BenchData.EmbeddedImages"/>: the embedded Fashion-MNIST, repeated with shifts and mirrors past 7000).</param>
/// <param name="Model">Spec of both models (two differently seeded initialisations); 28x28 inputs.</param>
/// <param name="BatchSize">Images per forward pass.</param>
/// <param name="KnnK">Neighbours of the k-NN.</param>
/// <param name="RbfFullMaxRows">RBF CKA on all n rows at once (n x n Gram matrices) up to this n; above it, UUEF's
/// batch-averaged protocol over consecutive batches of this many rows (a full 50 000 x 50 000 float64 Gram is 20 GB).</param>
public sealed record MetricsSetup(int Count, ModelSpec Model, int BatchSize = 256, int KnnK = 20, int RbfFullMaxRows = 10000)
{
    /// <summary>Probe settings (default: the evaluation's, <see cref="ProbeOptions"/>).</summary>
    public ProbeOptions Probe { get; init; } = new();

    /// <summary>Checks the numbers.</summary>
    public void Validate()
    {
        if (Count < 12) throw new ArgumentException($"n must be at least 12 (k-NN keeps a sixth of the rows as queries), got {Count}.");
        if (BatchSize <= 0 || KnnK <= 0 || RbfFullMaxRows < 4) throw new ArgumentException("batch and k must be positive, the RBF row limit at least 4.");
    }
}

/// <summary>Measured times (milliseconds) of the representation metrics, all stages each.</summary>
/// <param name="Count">Images n.</param>
/// <param name="Stages">Stage names, in order.</param>
/// <param name="Dimensions">Feature width of each stage (pooled).</param>
/// <param name="ForwardMs">Feature extraction of each of the two models (inference mode, all stages, pooled, copied to the CPU).</param>
/// <param name="CkaLinearMs">Linear CKA between the two models, every stage, on all n rows (exact; feature-space form when cheaper).</param>
/// <param name="CkaRbfMs">RBF CKA, every stage (full n x n Gram up to <see cref="MetricsSetup.RbfFullMaxRows"/>, batch-averaged above).</param>
/// <param name="RbfForm">"full" or "batched:ROWS".</param>
/// <param name="ProbesMs">Linear probes of the first model, one per stage: fitted on all n rows (L-BFGS), then scored on them.</param>
/// <param name="ProbeIterations">L-BFGS iterations of each stage's probe.</param>
/// <param name="KnnMs">k-NN of the first model, every stage: the last n/6 rows classified against the first 5n/6.</param>
/// <param name="PeakRssMiB">Peak resident memory of the process so far.</param>
/// <param name="ForwardPeakRssMiB">Peak resident memory right after the forward passes (before any metric).</param>
public sealed record MetricsTimes(int Count, IReadOnlyList<string> Stages, IReadOnlyList<long> Dimensions, IReadOnlyList<double> ForwardMs,
    double CkaLinearMs, double CkaRbfMs, string RbfForm, double ProbesMs, IReadOnlyList<int> ProbeIterations, double KnnMs, double PeakRssMiB,
    double ForwardPeakRssMiB = double.NaN)
{
    /// <summary>Both models' forward passes.</summary>
    public double TotalForwardMs => ForwardMs.Sum();

    /// <summary>The target's figure: (all-stage linear CKA + all-stage probes) / forward passes of both models.</summary>
    public double CkaProbesOverForward => (CkaLinearMs + ProbesMs) / TotalForwardMs;

    /// <summary>The same with RBF CKA instead of linear.</summary>
    public double CkaRbfProbesOverForward => (CkaRbfMs + ProbesMs) / TotalForwardMs;

    /// <summary>Bench lines (without the run's settings, which the caller adds).</summary>
    public BenchReport ToReport() => new BenchReport()
        .Add("n", Count)
        .Add("stages", string.Join(",", Stages))
        .Add("feature_dims", string.Join(",", Dimensions))
        .Add("forward_ms", TotalForwardMs)
        .Add("forward_ms_per_model", string.Join(",", ForwardMs.Select(F)))
        .Add("cka_linear_ms", CkaLinearMs)
        .Add("cka_rbf_ms", CkaRbfMs)
        .Add("cka_rbf_form", RbfForm)
        .Add("probes_ms", ProbesMs)
        .Add("probe_iterations", string.Join(",", ProbeIterations))
        .Add("knn_ms", KnnMs)
        .Add("cka_probes_over_forward", CkaProbesOverForward, 3)
        .Add("cka_rbf_probes_over_forward", CkaRbfProbesOverForward, 3)
        .Add("forward_peak_rss_mib", ForwardPeakRssMiB, 0)
        .Add("peak_rss_mib", PeakRssMiB, 0);

    static string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
}

/// <summary>
/// Times what an evaluation spends on representations: both models' feature extraction (forward passes), then CKA
/// (linear and RBF), linear probes and k-NN over every stage, each as the kit's evaluation runs it
/// (<see cref="FeatureExtractor"/>, <see cref="LayerwiseCka"/>, <see cref="LinearProbe"/>, <see cref="KNearestNeighbours"/>).
/// Used by <c>erase-core bench metrics</c>.
/// </summary>
public static class MetricsBenchmark
{
    /// <summary>Runs every measurement once on <paramref name="device"/>; the metrics themselves run where the features are kept (CPU).</summary>
    public static MetricsTimes Run(MetricsSetup setup, Device device)
    {
        setup.Validate();
        var images = BenchData.EmbeddedImages(setup.Count);
        var spec = setup.Model with { ImageSize = images.Height };
        Seeding.Seed(0);
        using var a = spec.Create();
        Seeding.Seed(1);
        using var b = spec.Create();
        a.to(device); b.to(device);
        var feed = new Feed(images.Channels == 1 ? Normalization.FashionMnist : Normalization.Compute(images), device);

        // One untimed batch through each model first: oneDNN creates its kernels on first use, and an evaluation
        // process that extracts features has usually run the models before.
        using (NewDisposeScope())
        using (inference_mode())
        {
            var warm = BenchData.EmbeddedImages(Math.Min(setup.Count, setup.BatchSize));
            foreach (var model in new[] { a, b })
                FeatureExtractor.Extract(model, warm, feed, batchSize: setup.BatchSize).Dispose();
        }

        var clock = Stopwatch.StartNew();
        double Lap() { double ms = clock.Elapsed.TotalMilliseconds; clock.Restart(); return ms; }
        using var fa = FeatureExtractor.Extract(a, images, feed, batchSize: setup.BatchSize);
        double forwardA = Lap();
        using var fb = FeatureExtractor.Extract(b, images, feed, batchSize: setup.BatchSize);
        double forwardB = Lap();
        double forwardPeak = ProcessMemory.PeakResidentMiB();

        _ = LayerwiseCka.Compare(fa, fb, new CkaSettings(CkaKernel.Linear));
        double ckaLinear = Lap();
        bool full = setup.Count <= setup.RbfFullMaxRows;
        _ = LayerwiseCka.Compare(fa, fb, new CkaSettings(CkaKernel.Rbf, BatchSize: full ? null : setup.RbfFullMaxRows));
        double ckaRbf = Lap();

        int classes = (int)fa.Logits.shape[1];
        var iterations = new List<int>();
        foreach (var (_, features) in fa.Stages)
        {
            using var probe = LinearProbe.Fit(features, fa.Labels, classes, setup.Probe);
            _ = LinearProbe.Score(probe, features, fa.Labels);
            iterations.Add(probe.Iterations);
        }
        double probes = Lap();

        long queries = setup.Count / 6, reference = setup.Count - queries;
        int k = (int)Math.Min(setup.KnnK, reference);
        using (NewDisposeScope())
            foreach (var (_, features) in fa.Stages)
                _ = KNearestNeighbours.Accuracy(features.narrow(0, 0, reference), fa.Labels.narrow(0, 0, reference),
                    features.narrow(0, reference, queries), fa.Labels.narrow(0, reference, queries), k,
                    options: new KnnOptions { Classes = classes });
        double knn = Lap();

        return new MetricsTimes(setup.Count, fa.Stages.Keys.ToList(), fa.Stages.Values.Select(t => t.shape[1]).ToList(), [forwardA, forwardB],
            ckaLinear, ckaRbf, full ? "full" : $"batched:{setup.RbfFullMaxRows}", probes, iterations, knn, ProcessMemory.PeakResidentMiB(), forwardPeak);
    }
}
