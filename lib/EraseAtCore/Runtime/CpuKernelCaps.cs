namespace EraseAtCore.Runtime;

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

    /// <summary>These caps with every variable the user set put back to the user's value ("set by you").</summary>
    public CpuKernelCaps WithUserSettings(IReadOnlyDictionary<string, string> userSet) =>
        CpuKernelLibrary.All.Where(l => userSet.ContainsKey(l.Variable)).Aggregate(this, (c, l) => c.With(l, userSet[l.Variable], "set by you"));

    /// <summary>"NAME=value" for each variable that is set, or "no caps".</summary>
    public override string ToString() =>
        string.Join(" ", CpuKernelLibrary.All.Where(l => this[l] is not null).Select(l => $"{l.Variable}={this[l]}")) is { Length: > 0 } s ? s : "no caps";
}
