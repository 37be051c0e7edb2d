namespace EraseAtCore.Unlearning;

/// <summary>How EC plugs into a host method (the "host+ec" model).</summary>
/// <param name="DefaultGridOrder">Where host+ec stands among the plug-ins of the default grid, or null to leave it out of the grid (it still runs when asked for by name).</param>
/// <param name="Config">The plug-in's own default settings (tuned with EC), or null to use the host's.</param>
/// <param name="Knobs">Host knob defaults that differ under EC (e.g. SalUn's sparsity), or null for none.</param>
public sealed record EcHosting(int? DefaultGridOrder = null, UnlearnConfig? Config = null, IReadOnlyDictionary<string, string>? Knobs = null)
{
    /// <summary>What a plug-in's name adds to its host's: "rl" + "+ec" = "rl+ec".</summary>
    public const string Suffix = "+ec";

    /// <summary>Whether <paramref name="name"/> (a method name, lower case) is a plug-in's, host+ec.</summary>
    public static bool IsPlugIn(string name) => name.EndsWith(Suffix, StringComparison.Ordinal);

    /// <summary>The host of the plug-in <paramref name="name"/> (host+ec), or null when it is none.</summary>
    public static string? HostOf(string name) => IsPlugIn(name) ? name[..^Suffix.Length] : null;
}
