namespace EraseAtCore.Runtime;

/// <summary>
/// One of libtorch's CPU kernel libraries and the instruction-set caps it accepts through its environment variable,
/// from full speed down: oneDNN (convolutions), ATen (its own vectorised kernels), oneMKL (matrix products).
/// </summary>
/// <param name="Name">The library's name, for messages.</param>
/// <param name="Variable">The environment variable the library reads once, at its first use in a process.</param>
/// <param name="Ladder">The values to try, fastest first; null means the variable unset (the library's own choice).</param>
public sealed record CpuKernelLibrary(string Name, string Variable, IReadOnlyList<string?> Ladder)
{
    /// <summary>oneDNN: AVX-512, then AVX2, AVX, SSE4.1.</summary>
    public static readonly CpuKernelLibrary OneDnn = new("oneDNN", "ONEDNN_MAX_CPU_ISA", [null, "AVX512_CORE", "AVX2", "AVX", "SSE41"]);

    /// <summary>ATen: AVX-512, then AVX2, then its unvectorised default.</summary>
    public static readonly CpuKernelLibrary Aten = new("ATen", "ATEN_CPU_CAPABILITY", [null, "avx2", "default"]);

    /// <summary>
    /// oneMKL: its own choice, then a pinned code path (which also makes results independent of buffer alignment,
    /// which by default they are not on Intel CPUs), then the compatible path.
    /// </summary>
    public static readonly CpuKernelLibrary Mkl = new("oneMKL", "MKL_CBWR", [null, "AVX512", "AVX2", "COMPATIBLE"]);

    /// <summary>The three, in the order the self-test lowers them when a failure names none in particular.</summary>
    public static readonly IReadOnlyList<CpuKernelLibrary> All = [OneDnn, Aten, Mkl];

    /// <summary>The steps of the ladder this CPU can use: AVX-512 ones only where the CPU has AVX-512.</summary>
    public IReadOnlyList<string?> LadderFor(CpuIdentity cpu) =>
        cpu.HasAvx512 ? Ladder : Ladder.Where(v => v is null || !v.StartsWith("AVX512", StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The position of <paramref name="value"/> on the ladder (0 = uncapped); an unknown value counts as the bottom.</summary>
    public int Step(string? value) => Ladder.Select((v, i) => (v, i)).FirstOrDefault(x => string.Equals(x.v, value, StringComparison.OrdinalIgnoreCase), (null, Ladder.Count - 1)).Item2;
}
