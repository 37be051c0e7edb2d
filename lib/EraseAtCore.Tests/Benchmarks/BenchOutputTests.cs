using EraseAtCore.Benchmarks;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Benchmarks;

/// <summary>
/// The bench reports (what `erase-core bench train|unlearn|metrics` print) parse as key=value lines and hold the keys
/// that bench/peer.sh and BENCHMARKS.md read. Tiny sizes; no timing is asserted.
/// </summary>
public sealed class BenchOutputTests : IDisposable
{
    static readonly ModelSpec Tiny = new("resnet18", 1, 10, 4);
    readonly int _threads;

    // One CPU thread: the tensors are too small to split, and on a busy 2-core machine two libtorch threads
    // spin-wait on each other (a tiny step took seconds instead of 10 ms). Restored after each test.
    public BenchOutputTests()
    {
        TorchRuntime.EnsureLoaded();
        _threads = get_num_threads();
        set_num_threads(1);
    }

    public void Dispose() => set_num_threads(_threads);

    static BenchReport RoundTrip(BenchReport report)
    {
        var parsed = BenchReport.Parse(report.Render());
        Assert.Equal(report.Lines, parsed.Lines);
        return parsed;
    }

    static void HasNumbers(BenchReport r, params string[] keys)
    {
        foreach (var key in keys)
        {
            Assert.True(r[key] is not null, $"missing key {key}");
            Assert.True(double.TryParse(r[key], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _),
                $"{key}={r[key]} is not a number");
        }
    }

    [Fact]
    public void Train_bench_prints_the_keys_the_peer_prints()
    {
        var setup = new TrainStepSetup(Tiny, Batch: 4, Size: 12, Steps: 2, Warmup: 1);
        var r = RoundTrip(TrainStepBenchmark.Run(setup, CPU).ToReport(setup, CPU));
        Assert.Equal("train", r["bench"]);
        HasNumbers(r, "width", "batch", "threads", "parameters", "train_step_ms", "train_step_ms_min", "train_step_ms_max", "images_per_s", "peak_rss_mib");
        Assert.NotNull(r["onednn_isa_cap"]);
    }

    [Fact]
    public void Unlearn_bench_times_the_requested_steps_and_compares_methods()
    {
        var one = UnlearnStepBenchmark.Run(new UnlearnStepSetup("rl", Tiny, Batch: 4, Steps: 2, Warmup: 1, Size: 12), CPU);
        Assert.Equal(2, one.StepMs.Count);
        Assert.Equal(16, one.ForgetImages);   // (warm-up + steps + 1) full batches
        var r = RoundTrip(one.ToReport());
        HasNumbers(r, "setup_ms", "unlearn_step_ms", "unlearn_step_ms_min", "unlearn_step_ms_max", "unlearn_step_ms_mean", "steps_timed");

        var ec = new UnlearnStepSetup("ec", Tiny, Batch: 4, Steps: 2, Warmup: 1, Size: 12) { Options = ["warmup-steps=2"] };
        var rl = new UnlearnStepSetup("rl", Tiny, Batch: 4, Steps: 2, Warmup: 1, Size: 12);
        var compared = RoundTrip(UnlearnStepBenchmark.Compare([ec, rl], rounds: 1, CPU).ToReport());
        HasNumbers(compared, "ec.unlearn_step_ms", "ec.setup_ms", "rl.unlearn_step_ms", "ec_over_rl");
        Assert.Equal("ec,rl", compared["compare"]);
    }

    [Fact]
    public void Unlearn_bench_refuses_retrain()
    {
        var e = Assert.Throws<ArgumentException>(() => UnlearnStepBenchmark.Run(new UnlearnStepSetup("retrain", Tiny, Batch: 4, Steps: 1, Warmup: 0, Size: 12), CPU));
        Assert.Contains("bench train", e.Message);
    }

    [Fact]
    public void Metrics_bench_prints_every_metric_and_the_target_ratio()
    {
        var times = MetricsBenchmark.Run(new MetricsSetup(48, Tiny, BatchSize: 32, KnnK: 3, RbfFullMaxRows: 32) { Probe = new() { MaxIterations = 3 } }, CPU);
        Assert.Equal(["layer1", "layer2", "layer3", "layer4"], times.Stages);
        Assert.Equal("batched:32", times.RbfForm);
        var r = RoundTrip(times.ToReport());
        HasNumbers(r, "n", "forward_ms", "cka_linear_ms", "cka_rbf_ms", "probes_ms", "knn_ms", "cka_probes_over_forward", "cka_rbf_probes_over_forward", "peak_rss_mib");
    }

    [Fact]
    public void Reports_refuse_malformed_lines_and_keys()
    {
        Assert.Throws<FormatException>(() => BenchReport.Parse("train_step_ms 12\n"));
        Assert.Throws<ArgumentException>(() => new BenchReport().Add("Bad Key", "1"));
        Assert.Equal("neggrad_", BenchReport.KeyOf("neggrad+"));
        Assert.Equal("rl_ec", BenchReport.KeyOf("rl+ec"));
    }

    [Fact]
    public void Embedded_bench_images_repeat_with_shifts_so_no_two_rows_match()
    {
        var set = BenchData.EmbeddedImages(7002);
        Assert.Equal(set.Labels[0], set.Labels[7000]);
        Assert.False(set.Pixels.AsSpan(0, 784).SequenceEqual(set.Pixels.AsSpan(7000 * 784, 784)));
    }
}
