using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EraseAtCore.Runtime;

/// <summary>
/// Caps oneDNN (libtorch's CPU convolution library) at AVX2 and pins oneMKL (its CPU matrix library)
/// to bitwise-reproducible results, unless the user chose otherwise.
/// </summary>
/// <remarks>
/// Why: on the AMD EPYC (AVX-512) machines this kit is developed and tested on, libtorch 2.10's
/// oneDNN AVX-512 kernels return wrong float32 convolution input-gradients (errors of order 1 against a
/// hand-computed reference, varying from run to run), which makes ResNets diverge to NaN. Capped at
/// AVX2 the same kernels are exact to 1e-6 (see TorchOpTests.Conv_input_gradient_matches_a_hand_computed_reference).
/// oneDNN reads ONEDNN_MAX_CPU_ISA once, at its first use, from the native environment, so the
/// variable is set through libc's setenv (.NET's Environment.SetEnvironmentVariable does not reach
/// native code on Linux) when this assembly loads, before any torch call of ours.
/// To opt out, set ONEDNN_MAX_CPU_ISA yourself (e.g. to ALL) before starting the process.
/// <para>
/// Why MKL_CBWR: without a conditional-numerical-reproducibility mode oneMKL may take a different code path
/// for differently aligned buffers, so two runs with the same seed can round the classifier's matrix products
/// differently and drift apart (seen on a CI machine: same seed, every weight different after two epochs).
/// "AUTO,STRICT" keeps the fastest instruction set and makes results independent of alignment. Set MKL_CBWR
/// yourself to choose another mode.
/// </para>
/// </remarks>
public static class CpuKernelGuard
{
    /// <summary>The environment variable oneDNN reads.</summary>
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The environment variable oneMKL reads for its reproducibility mode.</summary>
    public const string MklVariable = "MKL_CBWR";

    /// <summary>The oneDNN cap in force for this process (set by the user, by this guard, or none).</summary>
    public static string? Effective => Marshal.PtrToStringAnsi(getenv(Variable));

    /// <summary>The oneMKL reproducibility mode in force for this process (set by the user, by this guard, or none).</summary>
    public static string? MklMode => Marshal.PtrToStringAnsi(getenv(MklVariable));

    /// <summary>Sets the cap if nobody has; safe to call more than once.</summary>
    [SuppressMessage("Usage", "CA2255", Justification = "Must run before libtorch first touches oneDNN; see remarks.")]
    [ModuleInitializer]
    public static void Apply()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        setenv(Variable, "AVX2", 0); // 0 = keep a value the user already set
        setenv(MklVariable, "AUTO,STRICT", 0);
    }

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern IntPtr getenv(string name);
}
