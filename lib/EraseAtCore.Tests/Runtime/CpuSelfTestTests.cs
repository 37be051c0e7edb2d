using EraseAtCore.Runtime;

namespace EraseAtCore.Tests.Runtime;

/// <summary>
/// The CPU self-test's decisions, against scripted probes (what a failing or passing machine reports), and the real
/// probe under the verdict this machine got.
/// </summary>
public sealed class CpuSelfTestTests : IDisposable
{
    static readonly CpuIdentity Zen4 = new("AuthenticAMD", 25, 17, 1, "AMD EPYC 9654", "0xa101148", "avx avx2 avx512f");
    static readonly CpuIdentity Zen5 = Zen4 with { Family = 26, Model = 2, Name = "AMD EPYC" };
    static readonly Dictionary<string, string> NobodySet = [];
    readonly string _dir = Directory.CreateTempSubdirectory("cpu-verdicts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A probe that fails <paramref name="check"/> while <paramref name="fails"/> holds for the caps it is run under.</summary>
    static Func<CpuKernelCaps, CpuProbeRun> Probe(string check, Func<CpuKernelCaps, bool> fails, List<CpuKernelCaps>? tried = null) => caps =>
    {
        tried?.Add(caps);
        bool bad = fails(caps);
        return new CpuProbeRun(caps, !bad, [new CpuProbeCheck(check, "first", 1, bad ? 1 : 0, bad ? "wrong by 1.86" : "", 5)], 0.1, null);
    };

    static int OneDnnStep(CpuKernelCaps caps) => CpuKernelLibrary.OneDnn.Step(caps[CpuKernelLibrary.OneDnn]);

    [Fact]
    public void A_machine_that_passes_runs_uncapped_after_one_probe()
    {
        var tried = new List<CpuKernelCaps>();
        var verdict = CpuSelfTest.Run(Probe("conv_input_gradient", _ => false, tried), Zen4, "0.107.0.0", NobodySet);
        Assert.Single(tried);
        Assert.Equal("no caps", verdict.Caps.ToString());
        Assert.Equal(CpuVerdictStatus.Passed, verdict.Status);
        Assert.Equal("no caps (self-test)", verdict.Explain());
    }

    [Fact]
    public void A_wrong_convolution_lowers_oneDNN_one_step_at_a_time_and_nothing_else()
    {
        // Wrong above AVX2, as oneDNN's AVX-512 kernels were on the machines that needed the cap.
        var tried = new List<CpuKernelCaps>();
        var verdict = CpuSelfTest.Run(Probe("conv_input_gradient", c => OneDnnStep(c) < 2, tried), Zen4, "0.107.0.0", NobodySet);
        Assert.Equal(["no caps", "ONEDNN_MAX_CPU_ISA=AVX512_CORE", "ONEDNN_MAX_CPU_ISA=AVX2"], tried.Select(c => c.ToString()));
        Assert.Equal("ONEDNN_MAX_CPU_ISA=AVX2", verdict.Caps.ToString());
        Assert.Contains("conv_input_gradient", verdict.Caps.Reasons["ONEDNN_MAX_CPU_ISA"]);
        Assert.Contains("ONEDNN_MAX_CPU_ISA=AVX512_CORE", verdict.Caps.Reasons["ONEDNN_MAX_CPU_ISA"]); // the setting that failed last
        Assert.Equal(3, verdict.Log.Count);
    }

    [Fact]
    public void An_alignment_dependent_product_pins_oneMKL()
    {
        var verdict = CpuSelfTest.Run(Probe("matmul_alignment", c => c[CpuKernelLibrary.Mkl] is null), Zen4, "0.107.0.0", NobodySet);
        Assert.Equal("MKL_CBWR=AVX512", verdict.Caps.ToString());
    }

    [Fact]
    public void A_failing_training_leaves_lowered_only_the_library_that_fixes_it()
    {
        // A training names no library: oneDNN is lowered first (still failing), then ATen (passing); oneDNN is then
        // raised back because the probe passes without it, and oneMKL is never touched.
        var tried = new List<CpuKernelCaps>();
        var verdict = CpuSelfTest.Run(Probe("training_repeat", c => c[CpuKernelLibrary.Aten] is null, tried), Zen4, "0.107.0.0", NobodySet);
        Assert.Equal("ATEN_CPU_CAPABILITY=avx2", verdict.Caps.ToString());
        Assert.Equal(CpuVerdictStatus.Passed, verdict.Status);
        Assert.Equal(["no caps", "ONEDNN_MAX_CPU_ISA=AVX512_CORE", "ONEDNN_MAX_CPU_ISA=AVX512_CORE ATEN_CPU_CAPABILITY=avx2",
                      "ONEDNN_MAX_CPU_ISA=AVX512_CORE", "ATEN_CPU_CAPABILITY=avx2"], tried.Select(c => c.ToString()));
    }

    [Fact]
    public void A_probe_that_crashes_counts_as_a_failure_of_its_caps()
    {
        var verdict = CpuSelfTest.Run(caps => OneDnnStep(caps) == 0
            ? new CpuProbeRun(caps, false, [new CpuProbeCheck(CpuProbeCheck.Crashed, "first", 1, 1, "the probe exited with 134 without a result", 5)], 0.1, null)
            : new CpuProbeRun(caps, true, [], 0.1, null), Zen4, "0.107.0.0", NobodySet);
        Assert.Equal("ONEDNN_MAX_CPU_ISA=AVX512_CORE", verdict.Caps.ToString());
        Assert.Contains("exited with 134", verdict.Caps.Reasons["ONEDNN_MAX_CPU_ISA"]);
    }

    [Fact]
    public void A_CPU_without_AVX512_skips_the_AVX512_steps()
    {
        var avx2Only = Zen4 with { VectorFlags = "avx avx2 fma" };
        var tried = new List<CpuKernelCaps>();
        CpuSelfTest.Run(Probe("conv_input_gradient", c => OneDnnStep(c) < 2, tried), avx2Only, "0.107.0.0", NobodySet);
        Assert.Equal(["no caps", "ONEDNN_MAX_CPU_ISA=AVX2"], tried.Select(c => c.ToString()));
        var matmul = CpuSelfTest.Run(Probe("matmul_alignment", c => c[CpuKernelLibrary.Mkl] is null), avx2Only, "0.107.0.0", NobodySet);
        Assert.Equal("MKL_CBWR=AVX2", matmul.Caps.ToString());
    }

    [Fact]
    public void What_the_user_set_is_never_changed_and_its_failure_leaves_the_others_alone()
    {
        var user = new Dictionary<string, string> { ["ONEDNN_MAX_CPU_ISA"] = "ALL" };
        var tried = new List<CpuKernelCaps>();
        var verdict = CpuSelfTest.Run(Probe("conv_input_gradient", c => c[CpuKernelLibrary.OneDnn] == "ALL", tried), Zen4, "0.107.0.0", user);
        Assert.Single(tried);
        Assert.Equal("ONEDNN_MAX_CPU_ISA=ALL", verdict.Caps.ToString());
        Assert.Equal("set by you", verdict.Caps.Reasons["ONEDNN_MAX_CPU_ISA"]);
        Assert.Equal(CpuVerdictStatus.StillFailing, verdict.Status);
        Assert.Contains("conv_input_gradient", verdict.Source);
    }

    [Fact]
    public void A_known_bad_CPU_keeps_its_ceiling_and_records_what_the_full_instruction_set_did()
    {
        var tried = new List<CpuKernelCaps>();
        var verdict = CpuSelfTest.Run(Probe("conv_input_gradient", c => OneDnnStep(c) < 2, tried), Zen5, "0.107.0.0", NobodySet);
        Assert.Equal(["no caps", "ONEDNN_MAX_CPU_ISA=AVX"], tried.Select(c => c.ToString()));
        Assert.Equal("ONEDNN_MAX_CPU_ISA=AVX", verdict.Caps.ToString());
        string why = verdict.Caps.Reasons["ONEDNN_MAX_CPU_ISA"];
        Assert.Contains("known-bad list", why);
        Assert.Contains("conv_input_gradient", why);

        // The same CPU under another libtorch line has no entry: the self-test alone decides there.
        var later = CpuSelfTest.Run(Probe("conv_input_gradient", c => OneDnnStep(c) < 2), Zen5, "0.108.0.0", NobodySet);
        Assert.Equal("ONEDNN_MAX_CPU_ISA=AVX2", later.Caps.ToString());
    }

    [Fact]
    public void A_probe_that_cannot_run_gives_the_conservative_caps_and_is_not_cached()
    {
        var user = new Dictionary<string, string> { ["MKL_CBWR"] = "AUTO" };
        var verdict = CpuSelfTest.Run(c => new CpuProbeRun(c, false, [], 0.1, "the probe exited with 134 without a result"), Zen4, "0.107.0.0", user);
        Assert.Equal(CpuVerdictStatus.NotTested, verdict.Status);
        Assert.Equal("ONEDNN_MAX_CPU_ISA=AVX ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AUTO", verdict.Caps.ToString());
        Assert.Contains("exited with 134", verdict.Source);
    }

    [Fact]
    public void Verdicts_survive_the_cache_and_a_damaged_file_means_test_again()
    {
        var cache = new CpuVerdictCache(Path.Combine(_dir, "cache"));
        var verdict = CpuSelfTest.Run(Probe("conv_input_gradient", c => OneDnnStep(c) < 2), Zen4, "0.107.0.0", NobodySet);
        Assert.Null(cache.Read("k"));
        Assert.True(cache.Write("k", verdict));
        var back = cache.Read("k")!;
        Assert.Equal(verdict.Caps.ToString(), back.Caps.ToString());
        Assert.Equal(verdict.Explain(), back.Explain());
        Assert.Equal(verdict.Log, back.Log);
        Assert.Empty(Directory.GetFiles(cache.Directory, "*.tmp"));

        Assert.Equal(CpuVerdictStatus.Passed, back.Status);
        Assert.Contains("\"status\": \"passed\"", File.ReadAllText(cache.PathFor("k")));

        File.WriteAllText(cache.PathFor("k"), "{ \"caps\": ");
        Assert.Null(cache.Read("k"));
        File.WriteAllText(cache.PathFor("k"), "{\"caps\": null, \"status\": \"passed\", \"source\": \"self-test\", \"cpu\": \"x\", " +
                                              "\"tested_at\": \"2026-12-03T00:00:00Z\", \"seconds\": 1, \"log\": []}");
        Assert.Null(cache.Read("k")); // a hand-edited null is a damaged file (test again), not a verdict
    }

    [Fact]
    public void The_CPU_is_read_from_cpuinfo_and_the_key_follows_the_CPU_the_libtorch_build_and_the_user_settings()
    {
        string path = Path.Combine(_dir, "cpuinfo");
        File.WriteAllText(path, "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\n" +
                                "stepping\t: 1\nmicrocode\t: 0xb00215a\nflags\t\t: fpu sse avx2 avx512f avx512bw fma\n\nprocessor\t: 1\nvendor_id\t: Other\n");
        var cpu = CpuIdentity.Read(path);
        Assert.Equal(new CpuIdentity("AuthenticAMD", 26, 2, 1, "AMD EPYC", "0xb00215a", "avx2 avx512bw avx512f fma"), cpu);
        Assert.True(cpu.HasAvx512);
        string key = cpu.VerdictKey("TorchSharp 0.107.0.0, libtorch_cpu 1 bytes", 1, "");
        Assert.StartsWith("AuthenticAMD-f26-m2-", key);
        Assert.NotEqual(key, cpu.VerdictKey("TorchSharp 0.107.0.0, libtorch_cpu 2 bytes", 1, ""));
        Assert.NotEqual(key, cpu.VerdictKey("TorchSharp 0.107.0.0, libtorch_cpu 1 bytes", 2, ""));
        Assert.NotEqual(key, cpu.VerdictKey("TorchSharp 0.107.0.0, libtorch_cpu 1 bytes", 1, "ONEDNN_MAX_CPU_ISA=AVX2"));
        Assert.NotEqual(key, (cpu with { Model = 17 }).VerdictKey("TorchSharp 0.107.0.0, libtorch_cpu 1 bytes", 1, ""));
        Assert.Equal(-1, CpuIdentity.Read(Path.Combine(_dir, "missing")).Family);
    }

    [Fact]
    public void The_real_probe_passes_under_this_machines_verdict()
    {
        // What the guard chose must hold here: the probe (a separate process, its own caps) runs the computations
        // that failed at the full instruction set, on the first thread and on new ones.
        if (!CpuKernelGuard.Applies) return; // no caps to check off x64 Linux
        string? probe = CpuProbeProcess.Locate();
        Assert.True(probe is not null, $"{CpuProbeProcess.FileName} is missing beside EraseAtCore.dll: the build should copy it there");
        var run = CpuProbeProcess.Run(probe!, CpuKernelGuard.Verdict.Caps, repeats: 4);
        Assert.True(run.Passed, $"under {run.Caps} ({CpuKernelGuard.Verdict.Source}): {run.Summary}");
        Assert.Equal(["conv_input_gradient", "matmul_alignment", "training_repeat"], run.Checks.Select(c => c.Name).Distinct());
    }
}
