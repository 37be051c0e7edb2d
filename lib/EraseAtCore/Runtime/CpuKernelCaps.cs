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

    /// <summary>The position of <paramref name="value"/> on the ladder (0 = uncapped); an unknown value counts as the bottom.</summary>
    public int Step(string? value) => Ladder.Select((v, i) => (v, i)).FirstOrDefault(x => string.Equals(x.v, value, StringComparison.OrdinalIgnoreCase), (null, Ladder.Count - 1)).Item2;
}

/// <summary>The value each library's variable has (null = unset), with the reason for each cap.</summary>
public sealed record CpuKernelCaps
{
    /// <summary>Variable name to value; a missing or null entry means unset (the library's full speed).</summary>
    public required IReadOnlyDictionary<string, string?> Values { get; init; }

    /// <summary>Variable name to why it has its value, for every variable that is set.</summary>
    public required IReadOnlyDictionary<string, string> Reasons { get; init; }

    /// <summary>No caps at all.</summary>
    public static CpuKernelCaps None { get; } = new() { Values = new Dictionary<string, string?>(), Reasons = new Dictionary<string, string>() };

    /// <summary>
    /// The caps this kit applied to every x64 Linux machine before the self-test existed: oneDNN on AVX, ATen and
    /// oneMKL on AVX2. Used where the self-test cannot run.
    /// </summary>
    public static CpuKernelCaps Conservative(string reason) => new()
    {
        Values = new Dictionary<string, string?> { [CpuKernelLibrary.OneDnn.Variable] = "AVX", [CpuKernelLibrary.Aten.Variable] = "avx2", [CpuKernelLibrary.Mkl.Variable] = "AVX2" },
        Reasons = CpuKernelLibrary.All.ToDictionary(l => l.Variable, _ => reason),
    };

    /// <summary>The value of <paramref name="library"/>'s variable, or null.</summary>
    public string? this[CpuKernelLibrary library] => Values.GetValueOrDefault(library.Variable);

    /// <summary>These caps with <paramref name="library"/> set to <paramref name="value"/> for <paramref name="reason"/>.</summary>
    public CpuKernelCaps With(CpuKernelLibrary library, string? value, string reason)
    {
        var values = new Dictionary<string, string?>(Values) { [library.Variable] = value };
        var reasons = new Dictionary<string, string>(Reasons);
        if (value is null) reasons.Remove(library.Variable); else reasons[library.Variable] = reason;
        return this with { Values = values, Reasons = reasons };
    }

    /// <summary>"NAME=value" for each variable that is set, or "no caps".</summary>
    public override string ToString() =>
        string.Join(" ", CpuKernelLibrary.All.Where(l => this[l] is not null).Select(l => $"{l.Variable}={this[l]}")) is { Length: > 0 } s ? s : "no caps";
}
