using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EraseAtCore.Runtime;

/// <summary>
/// Keeps glibc's malloc from handing libtorch's large tensor buffers back to the kernel after every training step, so
/// the next step reuses them instead of faulting fresh pages in.
/// </summary>
/// <remarks>
/// Why: glibc serves allocations above its mmap threshold (128 KiB, raised dynamically up to 32 MiB) with mmap and
/// returns them with munmap, and trims the heap top above 128 KiB of free space. A ResNet step allocates and frees
/// its activations and gradients (MBs each) every step, so every step page-faults them in again; keeping them cuts
/// the faults by about 4x and the step time with them (the runs are in docs/cpu-kernels.md and BENCHMARKS.md). The
/// cost: up to 512 MiB of freed heap may stay with the process instead of going back to the system.
/// <para>
/// Set through mallopt when this assembly loads, the same as MALLOC_MMAP_THRESHOLD_=33554432
/// MALLOC_TRIM_THRESHOLD_=536870912 in the environment. Nothing is changed when the user set any malloc variable
/// (MALLOC_*_ or GLIBC_TUNABLES), off glibc Linux, or with <c>ERASE_CORE_MALLOC_TUNING=off</c>.
/// </para>
/// </remarks>
public static class AllocatorTuning
{
    /// <summary>The variable that turns the tuning off ("off").</summary>
    public const string Switch = "ERASE_CORE_MALLOC_TUNING";

    /// <summary>glibc's mmap threshold ceiling on 64-bit systems (HEAP_MAX_SIZE / 2): buffers below it come from the heap.</summary>
    public const int MmapThreshold = 32 << 20;

    /// <summary>Free heap kept before glibc trims it back to the system.</summary>
    public const int TrimThreshold = 512 << 20;

    const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;

    /// <summary>What was done, for run descriptions: "mmap threshold 32 MiB, trim threshold 512 MiB" or why nothing.</summary>
    public static string State { get; private set; } = "not applied";

    /// <summary>Applies the settings once; safe to call more than once.</summary>
    [SuppressMessage("Usage", "CA2255", Justification = "Should run before libtorch's first large allocations; see remarks.")]
    [ModuleInitializer]
    public static void Apply()
    {
        if (State != "not applied") return;
        if (!OperatingSystem.IsLinux()) { State = "glibc defaults (not Linux)"; return; }
        if (string.Equals(Environment.GetEnvironmentVariable(Switch), "off", StringComparison.OrdinalIgnoreCase)) { State = $"glibc defaults ({Switch}=off)"; return; }
        var userSet = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => (k.StartsWith("MALLOC_", StringComparison.Ordinal) && k.EndsWith('_')) || k == "GLIBC_TUNABLES").Order().ToList();
        if (userSet.Count > 0) { State = $"yours ({string.Join(", ", userSet)} set)"; return; }
        try
        {
            bool ok = mallopt(M_MMAP_THRESHOLD, MmapThreshold) == 1 & mallopt(M_TRIM_THRESHOLD, TrimThreshold) == 1;
            State = ok ? $"mmap threshold {MmapThreshold >> 20} MiB, trim threshold {TrimThreshold >> 20} MiB" : "glibc defaults (mallopt refused the settings)";
        }
        catch (EntryPointNotFoundException) { State = "allocator defaults (no glibc mallopt)"; }
        catch (DllNotFoundException) { State = "allocator defaults (no libc)"; }
    }

    [DllImport("libc")]
    static extern int mallopt(int param, int value);
}
