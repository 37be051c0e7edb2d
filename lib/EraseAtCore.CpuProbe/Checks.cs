using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.CpuProbe;

/// <summary>What one check saw over its runs: how many failed and the worst case, in words.</summary>
sealed record CheckResult(string Name, string Thread, int Runs, int Failures, string Worst, double Milliseconds);

/// <summary>
/// The computations that came out wrong on the machines where the kit's instruction-set caps were needed
/// (docs/cpu-kernels.md): a convolution's input-gradient on the shape that failed, a matrix product whose result
/// depended on how its input was aligned, and a few training steps that should repeat bit for bit on any thread.
/// </summary>
static class Checks
{
    /// <summary>Batch 50, 8 channels, 28x28, 3x3 kernel, padding 1: the shape on which oneDNN's kernels failed.</summary>
    const int N = 50, C = 8, H = 28, W = 28, K = 3;

    /// <summary>The kit's smallest test training: batches of 25, a few steps.</summary>
    const int TrainingBatch = 25, TrainingSteps = 4;

    /// <summary>Largest error allowed against the float64 reference; float32 rounding gives about 2e-6 here.</summary>
    const double Tolerance = 1e-3;

    /// <summary>
    /// conv2d's input-gradient against a float64 reference computed here in plain loops, once on the calling
    /// thread and then on <paramref name="threadRuns"/> new threads (a new thread is where the rarer failure showed).
    /// </summary>
    public static IEnumerable<CheckResult> ConvInputGradient(int threadRuns)
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var x = randn(N, C, H, W);
        var w = randn(C, C, K, K) * 0.1;
        var upstream = randn(N, C, H, W);
        double[] reference = ReferenceInputGradient(upstream.data<float>().ToArray(), w.data<float>().ToArray());

        string Run()
        {
            using var inner = NewDisposeScope();
            var xg = x.detach().clone().requires_grad_(true);
            nn.functional.conv2d(xg, w, padding: [1, 1]).backward([upstream]);
            float[] got = xg.grad!.data<float>().ToArray();
            double worst = 0; int at = 0;
            for (int i = 0; i < got.Length; i++)
            {
                double error = double.IsFinite(got[i]) ? Math.Abs(got[i] - reference[i]) : double.PositiveInfinity;
                if (error > worst) { worst = error; at = i; }
            }
            return worst <= Tolerance ? "" : $"input-gradient[{at}] = {got[at]}, float64 reference {reference[at]:G6} (max error {worst:G3})";
        }

        yield return Repeat("conv_input_gradient", "first", 1, Run);
        yield return Repeat("conv_input_gradient", "new", threadRuns, () => OnNewThread(Run));
    }

    /// <summary>A product whose left input starts one float into its buffer must equal the product of an aligned copy, bit for bit.</summary>
    public static IEnumerable<CheckResult> MatmulAlignment(int threadRuns)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var buffer = randn(1 + 256 * 301);
        var misaligned = buffer.narrow(0, 1, 256 * 301).view(256, 301);
        var aligned = misaligned.clone();
        var w = randn(301, 97);

        string Run()
        {
            using var inner = NewDisposeScope();
            var a = matmul(misaligned, w);
            var b = matmul(aligned, w);
            return a.eq(b).all().item<bool>() ? "" : $"differs by up to {(a - b).abs().max().item<float>():G3} with the input's alignment";
        }

        yield return Repeat("matmul_alignment", "first", 1, Run);
        yield return Repeat("matmul_alignment", "new", threadRuns, () => OnNewThread(Run));
    }

    /// <summary>A few SGD steps of a small ResNet from one seed must give the same weights, bit for bit, on every thread.</summary>
    public static IEnumerable<CheckResult> TrainingRepeat(int threadRuns)
    {
        float[][] reference = TrainSteps();
        string Run()
        {
            float[][] got = TrainSteps();
            int differing = Enumerable.Range(0, reference.Length).Count(i => !reference[i].AsSpan().SequenceEqual(got[i]));
            bool nan = got.Any(p => p.Any(v => !float.IsFinite(v)));
            return differing == 0 ? "" : $"{differing} of {reference.Length} weight tensors differ from the first thread's{(nan ? ", some not finite" : "")}";
        }

        yield return Repeat("training_repeat", "first", 1, Run);
        yield return Repeat("training_repeat", "new", threadRuns, () => OnNewThread(Run));
    }

    static float[][] TrainSteps()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var net = new TinyResNet();
        var images = randn(TrainingBatch, 1, H, W);
        var labels = randint(0, 10, [TrainingBatch]);
        var optimizer = optim.SGD(net.parameters(), 0.1, momentum: 0.9);
        for (int step = 0; step < TrainingSteps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(net.forward(images), labels).backward();
            optimizer.step();
        }
        var weights = net.parameters().Select(p => p.detach().data<float>().ToArray()).ToArray();
        net.Dispose();
        return weights;
    }

    /// <summary>The input-gradient of conv2d (stride 1, padding 1) in float64: dx[n,c,i,j] = sum over o, di, dj of g[n,o,i-di+1,j-dj+1] * w[o,c,di,dj].</summary>
    static double[] ReferenceInputGradient(float[] g, float[] w)
    {
        var dx = new double[N * C * H * W];
        Parallel.For(0, N, n =>
        {
            for (int c = 0; c < C; c++)
                for (int i = 0; i < H; i++)
                    for (int j = 0; j < W; j++)
                    {
                        double sum = 0;
                        for (int o = 0; o < C; o++)
                            for (int di = 0; di < K; di++)
                            {
                                int yi = i - di + 1;
                                if (yi is < 0 or >= H) continue;
                                for (int dj = 0; dj < K; dj++)
                                {
                                    int yj = j - dj + 1;
                                    if (yj is >= 0 and < W) sum += (double)g[((n * C + o) * H + yi) * W + yj] * w[((o * C + c) * K + di) * K + dj];
                                }
                            }
                        dx[((n * C + c) * H + i) * W + j] = sum;
                    }
        });
        return dx;
    }

    static string OnNewThread(Func<string> run)
    {
        string outcome = "";
        Exception? error = null;
        var thread = new Thread(() => { try { outcome = run(); } catch (Exception e) { error = e; } });
        thread.Start();
        thread.Join();
        return error is null ? outcome : $"threw {error.GetType().Name}: {error.Message}";
    }

    static CheckResult Repeat(string name, string thread, int runs, Func<string> run)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int failures = 0; string worst = "";
        for (int r = 0; r < runs; r++)
        {
            string outcome = run();
            if (outcome.Length == 0) continue;
            failures++;
            if (worst.Length == 0) worst = outcome;
        }
        return new CheckResult(name, thread, runs, failures, worst, clock.Elapsed.TotalMilliseconds);
    }
}
