using EraseAtCore.Unlearning;

namespace EraseAtCore.Ec;

/// <summary>
/// EC as a plug-in: the host method's plan runs unchanged (its passes, data, gradient hook, optimiser settings)
/// with EC's objective added to every step's loss, so both are optimised together. Every pass gets both a
/// forget and a retain batch (the one the host does not drive is cycled alongside). The host's mechanics
/// apply to the combined gradient: SalUn's mask, for one, is applied after the backward of host + EC loss.
/// Named "host+ec" (e.g. "rl+ec").
/// </summary>
public sealed class EcPlugin(LoopMethod host, EcOptions? options = null) : LoopMethod
{
    /// <summary>The host method.</summary>
    public LoopMethod Host { get; } = host;
    /// <summary>EC's options.</summary>
    public EcOptions Options { get; } = options ?? new();

    /// <inheritdoc />
    public override object? Settings => new { host = Host.Settings, ec = Options };

    /// <inheritdoc />
    public override string Name => Host.Name + EcHosting.Suffix;

    /// <inheritdoc />
    public override LoopPlan Plan(UnlearnContext context)
    {
        var parts = EcParts.Prepare(context, Options);
        LoopPlan hostPlan;
        try { hostPlan = Host.Plan(context); }
        catch { parts.Heads?.Dispose(); throw; }
        return hostPlan with
        {
            Passes = hostPlan.Passes.Select(pass => pass with
            {
                UsesForget = true,
                UsesRetain = true,
                Loss = s =>
                {
                    var hostTerms = pass.Loss(s);
                    var terms = parts.Objective.Terms(s);
                    foreach (var (name, value) in hostTerms) terms[name == "total" ? "host_total" : name] = value;
                    terms["total"] = hostTerms["total"].add(terms["ec_total"]);
                    return terms;
                },
            }).ToList(),
            Companions = [.. hostPlan.Companions, .. parts.Companions],
            Owned = [.. hostPlan.Owned, .. parts.Owned],
        };
    }
}
