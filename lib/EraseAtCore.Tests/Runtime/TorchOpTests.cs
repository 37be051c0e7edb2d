using EraseAtCore.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Runtime;

/// <summary>The native backend really loads and computes: a conv forward and backward with known answers.</summary>
public sealed class TorchOpTests
{
    public TorchOpTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Conv_forward_and_backward_give_the_known_values()
    {
        using var scope = NewDisposeScope();
        // 1x1x4x4 input 0..15, a 3x3 kernel of ones, no padding: each output is the sum of a 3x3 window.
        var x = arange(16, dtype: float32).reshape(1, 1, 4, 4).requires_grad_(true);
        var w = ones(1, 1, 3, 3, dtype: float32).requires_grad_(true);
        var y = nn.functional.conv2d(x, w);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        Assert.Equal(new float[] { 45, 54, 81, 90 }, y.data<float>().ToArray());

        y.sum().backward();
        // d(sum)/dx[i,j] = number of 3x3 windows covering (i,j); d(sum)/dw = sum of the inputs under each kernel tap.
        Assert.Equal(new float[] { 1, 2, 2, 1, 2, 4, 4, 2, 2, 4, 4, 2, 1, 2, 2, 1 }, x.grad!.data<float>().ToArray());
        Assert.Equal(new float[] { 10, 14, 18, 26, 30, 34, 42, 46, 50 }, w.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Conv_input_gradient_matches_a_hand_computed_reference()
    {
        // Regression test for wrong float32 conv gradients from oneDNN's AVX-512 kernels on AMD EPYC
        // (see docs/cpu-kernels.md). Batch 50, 8 channels, 28x28: the shape on which they failed.
        using var scope = NewDisposeScope();
        set_num_threads(2);
        manual_seed(0);
        var x = randn(50, 8, 28, 28).requires_grad_(true);
        var w = (randn(8, 8, 3, 3) * 0.1).requires_grad_(true);
        var upstream = randn(50, 8, 28, 28);
        nn.functional.conv2d(x, w, padding: [1, 1]).backward([upstream]);
        float[] g = upstream.data<float>().ToArray(), k = w.data<float>().ToArray(), gx = x.grad!.data<float>().ToArray();
        var rng = new Random(1);
        for (int t = 0; t < 500; t++)
        {
            int n = rng.Next(50), c = rng.Next(8), i = rng.Next(28), j = rng.Next(28);
            double expected = 0;
            for (int o = 0; o < 8; o++)
                for (int di = 0; di < 3; di++)
                    for (int dj = 0; dj < 3; dj++)
                    {
                        int yi = i - di + 1, yj = j - dj + 1;
                        if (yi is >= 0 and < 28 && yj is >= 0 and < 28)
                            expected += g[((n * 8 + o) * 28 + yi) * 28 + yj] * k[((o * 8 + c) * 3 + di) * 3 + dj];
                    }
            Assert.True(Math.Abs(gx[((n * 8 + c) * 28 + i) * 28 + j] - expected) < 1e-3,
                $"conv input-gradient at ({n},{c},{i},{j}) is {gx[((n * 8 + c) * 28 + i) * 28 + j]}, expected {expected:F5} " +
                $"(oneDNN ISA cap: {CpuKernelGuard.Effective ?? "none"})");
        }
    }

    [Fact]
    public void Matrix_products_do_not_depend_on_how_the_input_is_aligned()
    {
        // Same seed must give the same model (CheckpointTests). oneMKL may pick a different kernel for an
        // input that is not 64-byte aligned unless MKL_CBWR pins its code path (see docs/cpu-kernels.md);
        // a view that starts one float into a buffer is the misaligned case.
        using var scope = NewDisposeScope();
        manual_seed(1);
        var buffer = randn(1 + 256 * 301);
        var misaligned = buffer.narrow(0, 1, 256 * 301).view(256, 301);
        var aligned = misaligned.clone();
        var w = randn(301, 97);
        Assert.True(matmul(misaligned, w).eq(matmul(aligned, w)).all().item<bool>(),
            $"matmul differs with the input's alignment ({CpuKernelGuard.Describe()})");
    }

    [Fact]
    public void Describe_names_versions_and_threads()
    {
        string d = TorchRuntime.Describe();
        Assert.Contains("libtorch 2.", d);
        Assert.Contains("CPU threads", d);
    }

    [Fact]
    public void Device_choice_resolves_and_rejects_clearly()
    {
        Assert.Equal(DeviceType.CPU, DeviceChoice.Resolve("cpu").type);
        Assert.Equal(cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, DeviceChoice.Resolve("auto").type);
        var bogus = Assert.Throws<ArgumentException>(() => DeviceChoice.Resolve("tpu"));
        Assert.Contains("auto | cpu | cuda", bogus.Message);
        if (!cuda.is_available())
        {
            var e = Assert.Throws<ArgumentException>(() => DeviceChoice.Resolve("cuda"));
            Assert.Contains("CUDA is not available", e.Message);
            Assert.Contains("-p:TorchBackend=cuda", e.Message);
        }
    }

    [Fact]
    public void Same_seed_gives_same_numbers()
    {
        Seeding.Seed(7);
        using var a = randn(5);
        Seeding.Seed(7);
        using var b = randn(5);
        Seeding.Seed(8);
        using var c = randn(5);
        Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
        Assert.NotEqual(a.data<float>().ToArray(), c.data<float>().ToArray());
    }
}
