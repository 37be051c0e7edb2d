namespace EraseAtCore.Runtime;

/// <summary>
/// CPUs on which a library gives wrong results too rarely for a self-test of a few hundred milliseconds to see, with
/// the cap measured to be safe there. The self-test never goes above these ceilings; it still checks everything below.
/// </summary>
/// <remarks>
/// Each entry holds for one libtorch (TorchSharp) line: a new libtorch brings a new oneDNN, and the entry must be
/// measured again (docs/cpu-kernels.md says how) rather than carried over.
/// </remarks>
public static class KnownBadCpus
{
    /// <summary>A ceiling for one library on one CPU family with one TorchSharp line.</summary>
    public sealed record Entry(string Vendor, int Family, string TorchSharpLine, CpuKernelLibrary Library, string Ceiling, string Reason);

    /// <summary>Every entry.</summary>
    public static readonly IReadOnlyList<Entry> Entries =
    [
        // Measured 2026-12-03 on an AMD EPYC family 26 model 2 (Zen 5) VM with libtorch 2.10 (oneDNN 3.7.1), numbers in
        // docs/cpu-kernels.md: with oneDNN on AVX2 a small ResNet's same-seed training on a new thread came out different
        // (often NaN) in 81 of 1000 tries, but clustered: 4 of 10 processes showed no failure in 100 tries. Catching it in
        // 99 of 100 self-tests would take about five processes of 100 trainings, some 45 s. With oneDNN on AVX, 0 of 400.
        new("AuthenticAMD", 26, "0.107.", CpuKernelLibrary.OneDnn, "AVX",
            "known-bad list: oneDNN 3.7.1's AVX2 convolutions train wrongly now and then on new threads on AMD family 26 (Zen 5), " +
            "about 8 % of trainings, too rarely for a quick self-test to see"),
    ];

    /// <summary>The entries that hold for <paramref name="cpu"/> under TorchSharp <paramref name="torchSharpVersion"/>.</summary>
    public static IEnumerable<Entry> For(CpuIdentity cpu, string torchSharpVersion) =>
        Entries.Where(e => e.Vendor == cpu.Vendor && e.Family == cpu.Family && torchSharpVersion.StartsWith(e.TorchSharpLine, StringComparison.Ordinal));
}
