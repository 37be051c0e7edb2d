using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace EraseAtCore.Runtime;

/// <summary>
/// Keeps libtorch's three CPU kernel libraries off the code paths that give wrong results on our machines: oneDNN
/// (convolutions) on AVX, ATen's own vectorised kernels and oneMKL (matrix products) on AVX2, oneMKL also on
/// bitwise-reproducible results, unless the user chose otherwise.
/// </summary>
/// <remarks>
/// Why: on the AMD EPYC (AVX-512) machines this kit is developed and tested on, AVX-512 code gives wrong
/// float32 results that vary from run to run. oneDNN's AVX-512 convolution input-gradients were off by order 1
/// against a hand-computed reference (ResNets diverged to NaN); with oneMKL moved onto its AVX-512 path
/// (MKL_CBWR=AUTO) two trainings with the same seed, or a saved and reloaded model, sometimes disagreed.
/// oneDNN's AVX2 kernels were better but not clean: when torch work moves between threads (test runners, notebook
/// kernels), about one training in twenty on a thread other than the first diverged to NaN or drifted from the
/// same-seed reference (3 of 12 test processes); with oneDNN on AVX or SSE4.1, ATen and oneMKL on AVX2, none did
/// in 12 processes and 32 thread switches. AVX costs about 1.3x in training-step time against AVX2 (SSE4.1 1.6-2x);
/// correct results come first. Capped, the computations are exact and repeatable (TorchOpTests, CheckpointTests).
/// <para>
/// MKL_CBWR=AVX2 also makes oneMKL's results independent of buffer alignment, which by default it is not on
/// Intel CPUs: the same seed must give the same model on every machine's run (CI saw it differ).
/// </para>
/// <para>
/// The libraries read these variables once, at first use, from the native environment, so they are set through
/// libc's setenv (.NET's Environment.SetEnvironmentVariable does not reach native code on Linux) when this
/// assembly loads, before any torch call of ours. A variable the user already set is kept: set
/// ONEDNN_MAX_CPU_ISA=ALL, ATEN_CPU_CAPABILITY=avx512 and MKL_CBWR=AUTO before starting the process to opt out.
/// </para>
/// </remarks>
public static class CpuKernelGuard
{
    /// <summary>The environment variable oneDNN reads for its instruction-set cap.</summary>
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The environment variable ATen reads for the vectorised kernels it dispatches to.</summary>
    public const string AtenVariable = "ATEN_CPU_CAPABILITY";

    /// <summary>The environment variable oneMKL reads for its code path and reproducibility mode.</summary>
    public const string MklVariable = "MKL_CBWR";

    /// <summary>Each variable with the value this guard gives it when the user has not.</summary>
    static readonly (string Name, string Value)[] Caps = [(Variable, "AVX"), (AtenVariable, "avx2"), (MklVariable, "AVX2")];

    /// <summary>The oneDNN cap in force for this process (set by the user, by this guard, or none).</summary>
    public static string? Effective => Marshal.PtrToStringAnsi(getenv(Variable));

    /// <summary>The variables in force, as "NAME=value" (unset ones left out), for run descriptions.</summary>
    public static string Describe() => string.Join(" ", Caps.Select(c => (c.Name, Value: Marshal.PtrToStringAnsi(getenv(c.Name))))
        .Where(c => c.Value is not null).Select(c => $"{c.Name}={c.Value}")) is { Length: > 0 } s ? s : "no caps";

    /// <summary>Sets each cap nobody has set; safe to call more than once.</summary>
    [SuppressMessage("Usage", "CA2255", Justification = "Must run before libtorch first touches its CPU kernels; see remarks.")]
    [ModuleInitializer]
    public static void Apply()
    {
        // AVX2 only where it exists: a cap names the best the libraries may use, and MKL_CBWR=AVX2 would be refused without it.
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64 || !Avx2.IsSupported) return;
        foreach (var (name, value) in Caps) setenv(name, value, 0); // 0 = keep a value the user already set
    }

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern IntPtr getenv(string name);
}
