using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace EraseAtCore.Runtime;

/// <summary>
/// Puts libtorch's three CPU kernel libraries (oneDNN, ATen, oneMKL) at the fastest instruction set that computes
/// correctly on this machine, as decided by <see cref="CpuSelfTest"/> once per CPU model and libtorch build and cached
/// (<see cref="CpuVerdictCache"/>), before any torch call of ours.
/// </summary>
/// <remarks>
/// Why: on some machines libtorch 2.10's AVX-512 (and, rarely, AVX2) convolution kernels give wrong float32 results:
/// on the AMD EPYC Zen 5 machines this kit is built on, oneDNN's AVX-512 input-gradients are off by order 1 and
/// ResNets diverge to NaN, while on a Zen 4 the same code is exact. A blanket cap cost about 1.45x in training-step
/// time there; the self-test caps only what fails where it fails (docs/cpu-kernels.md has the measurements).
/// <para>
/// The libraries read their variables once, at first use, from the native environment, so they are set through libc's
/// setenv (.NET's Environment.SetEnvironmentVariable does not reach native code on Linux) when this assembly loads.
/// A variable the user already set is kept. <c>ERASE_CORE_CPU_SELFTEST=off</c> skips the self-test and applies the
/// conservative caps (oneDNN AVX, ATen and oneMKL AVX2); <c>erase-core doctor</c> shows the verdict and reruns it.
/// </para>
/// </remarks>
public static class CpuKernelGuard
{
    /// <summary>The environment variable oneDNN reads for its instruction-set cap.</summary>
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The variable that turns the self-test off ("off": conservative caps without testing).</summary>
    public const string SelfTestSwitch = "ERASE_CORE_CPU_SELFTEST";

    static readonly Lock Gate = new();
    static CpuKernelVerdict? _verdict;

    /// <summary>The verdict in force in this process (applying it first if the module initializer has not).</summary>
    public static CpuKernelVerdict Verdict { get { Apply(); return _verdict!; } }

    /// <summary>The oneDNN cap in force for this process (set by the user, by this guard, or none).</summary>
    public static string? Effective => Marshal.PtrToStringAnsi(getenv(Variable));

    /// <summary>The variables in force, as "NAME=value" (unset ones left out), or "no caps".</summary>
    public static string Describe() => string.Join(" ", CpuKernelLibrary.All.Select(l => (l.Variable, Value: Marshal.PtrToStringAnsi(getenv(l.Variable))))
        .Where(c => c.Value is not null).Select(c => $"{c.Variable}={c.Value}")) is { Length: > 0 } s ? s : "no caps";

    /// <summary>Variables the user set before this process started, with their values.</summary>
    public static IReadOnlyDictionary<string, string> UserSettings { get; } = CpuKernelLibrary.All
        .Select(l => (l.Variable, Value: Environment.GetEnvironmentVariable(l.Variable))) // .NET's copy: the environment at start, before our setenv
        .Where(v => v.Value is not null).ToDictionary(v => v.Variable, v => v.Value!);

    /// <summary>Whether caps matter here: x64 Linux with AVX2, where libtorch's kernels go beyond AVX.</summary>
    public static bool Applies => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && Avx2.IsSupported;

    /// <summary>The TorchSharp version the verdict is for (read from the managed assembly: no native code runs).</summary>
    public static string TorchSharpVersion => typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The cache key of this machine's verdict.</summary>
    /// <remarks>It covers the known-bad entries that apply, so a new entry takes effect on machines with a cached verdict.</remarks>
    public static string VerdictKey => CpuIdentity.Current.VerdictKey(LibtorchBuild(), CpuSelfTest.Version,
        string.Join(",", UserSettings.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => $"{u.Key}={u.Value}")) + "|" +
        string.Join(",", KnownBadCpus.For(CpuIdentity.Current, TorchSharpVersion).Select(e => $"{e.Library.Variable}<={e.Ceiling}")));

    /// <summary>Decides the caps (cached verdict, else the self-test) and sets them; safe to call more than once.</summary>
    [SuppressMessage("Usage", "CA2255", Justification = "Must run before libtorch first touches its CPU kernels; see remarks.")]
    [ModuleInitializer]
    public static void Apply()
    {
        lock (Gate)
        {
            if (_verdict is not null) return;
            bool tooLate = LibtorchLoaded();
            try { _verdict = Decide(); }
            catch (Exception e) // a guard that throws would take the whole assembly down with it: fall back, and say why
            {
                _verdict = Unmeasured(CpuKernelCaps.Conservative($"the self-test failed unexpectedly ({e.GetType().Name}: {e.Message}); the kit's conservative caps").WithUserSettings(UserSettings),
                                      $"no self-test: {e.GetType().Name}");
            }
            _verdict = _verdict with { TooLate = tooLate };
            foreach (var library in CpuKernelLibrary.All)
                if (_verdict.Caps[library] is { } value) setenv(library.Variable, value, 0); // 0 = keep a value the user already set
            TorchNativePreload.Apply(); // after the caps: it loads libtorch, whose libraries may read them
        }
    }

    /// <summary>
    /// Runs the self-test now, whatever is cached, and caches the outcome. It applies to processes started from now
    /// on: this process's libraries may already have read their caps.
    /// </summary>
    public static CpuKernelVerdict Rerun(int repeats = CpuSelfTest.DefaultRepeats, Action<string>? progress = null)
    {
        if (!Applies) return Unmeasured(CpuKernelCaps.None, NotApplicable);
        string probe = CpuProbeProcess.Locate() ?? throw new InvalidOperationException(
            $"The self-test needs {CpuProbeProcess.FileName} beside EraseAtCore.dll; build the solution (`dotnet build`) rather than copying EraseAtCore.dll alone.");
        return TestAndCache(probe, repeats, progress);
    }

    const string NotApplicable = "not x64 Linux with AVX2: no caps needed";

    static CpuKernelVerdict Unmeasured(CpuKernelCaps caps, string source) => new()
    {
        Caps = caps, Status = CpuVerdictStatus.NotTested, Source = source, Cpu = CpuIdentity.Current.ToString(), TestedAt = DateTimeOffset.UtcNow, Seconds = 0, Log = [],
    };

    static CpuKernelVerdict Decide()
    {
        if (!Applies) return Unmeasured(CpuKernelCaps.None, NotApplicable);
        if (string.Equals(Environment.GetEnvironmentVariable(SelfTestSwitch), "off", StringComparison.OrdinalIgnoreCase))
            return Unmeasured(CpuKernelCaps.Conservative($"{SelfTestSwitch}=off: the kit's conservative caps").WithUserSettings(UserSettings),
                              $"no self-test: {SelfTestSwitch}=off");
        if (UserSettings.Count == CpuKernelLibrary.All.Count)
            return Unmeasured(CpuKernelCaps.None.WithUserSettings(UserSettings), "no self-test: you set every variable");

        if (CpuVerdictCache.Default.Read(VerdictKey) is { Status: CpuVerdictStatus.Passed } cached) return cached with { FromCache = true };
        if (CpuProbeProcess.Locate() is not { } probe)
            return Unmeasured(CpuKernelCaps.Conservative(
                $"self-test unavailable ({CpuProbeProcess.FileName} is not beside EraseAtCore.dll); the kit's conservative caps").WithUserSettings(UserSettings),
                $"no self-test: {CpuProbeProcess.FileName} not found");

        Console.Error.WriteLine($"erase-core: testing this CPU's kernels once ({CpuIdentity.Current}); the verdict is cached in {CpuVerdictCache.Default.Directory}");
        var verdict = TestAndCache(probe, CpuSelfTest.DefaultRepeats, progress: null);
        Console.Error.WriteLine($"erase-core: {verdict.Explain()} [{verdict.Seconds:F1} s]");
        return verdict;
    }

    /// <summary>Runs the self-test and caches a passing verdict; a cache that cannot be written is said on stderr, not hidden.</summary>
    static CpuKernelVerdict TestAndCache(string probe, int repeats, Action<string>? progress)
    {
        var verdict = CpuSelfTest.Run(probe, CpuIdentity.Current, TorchSharpVersion, UserSettings, repeats, progress);
        string key = VerdictKey;
        if (verdict.Status == CpuVerdictStatus.Passed && !CpuVerdictCache.Default.Write(key, verdict))
            Console.Error.WriteLine($"erase-core: could not write {CpuVerdictCache.Default.PathFor(key)}, so every process will test again; " +
                                    "set XDG_CACHE_HOME to a writable folder");
        return verdict;
    }

    /// <summary>Whether libtorch is already mapped into this process (someone used torch before this assembly loaded).</summary>
    static bool LibtorchLoaded() => LoadedNatives.Contains("libtorch_cpu");

    /// <summary>TorchSharp's version and the size of libtorch_cpu beside it: a new libtorch build gets a new verdict.</summary>
    static string LibtorchBuild()
    {
        string folder = TorchSharpPackage.AssemblyFolder;
        var library = new[] { Path.Combine(folder, "libtorch_cpu.so"), Path.Combine(folder, "runtimes", "linux-x64", "native", "libtorch_cpu.so") }
            .Select(p => new FileInfo(p)).FirstOrDefault(f => f.Exists);
        return $"TorchSharp {TorchSharpVersion}, libtorch_cpu {library?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not found"} bytes";
    }

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern IntPtr getenv(string name);
}
