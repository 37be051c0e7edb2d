namespace EraseAtCore.Unlearning;

/// <summary>
/// Everything the kit needs to know about one unlearning method besides its algorithm: its name in results, how
/// tables write it, its default settings, how it reads its knobs, what it costs and whether EC can plug into it.
/// Each method declares its descriptor next to its class (<see cref="IDescribedMethod"/>); the catalog
/// (<c>EraseAtCore.Experiments.MethodCatalog</c>) finds them, so a new method is one file.
/// </summary>
public sealed record MethodDescriptor
{
    /// <summary>The name results, the CLI and <c>--option</c> scopes use (lower case, no ':' or '.'; e.g. "rl").</summary>
    public required string Name { get; init; }
    /// <summary>How charts and tables write it (e.g. "RL", "SalUn").</summary>
    public required string Label { get; init; }
    /// <summary>The shared settings it runs with unless told otherwise (its step budget or epochs and its learning rate).</summary>
    public required UnlearnConfig DefaultConfig { get; init; }
    /// <summary>
    /// Creates the method from its knobs. Read every knob you know from <see cref="MethodRequest.Options"/> and
    /// validate it here, so a bad value fails before any work; the catalog refuses keys nobody read.
    /// </summary>
    public required Func<MethodRequest, IUnlearningMethod> Create { get; init; }
    /// <summary>
    /// Wall time of producing one model relative to the others, for progress, ETAs and balancing a grid's shards
    /// (a short loop method is 1.5, training a model from scratch 6; the ratios were read off quick-preset runs).
    /// </summary>
    public double Cost { get; init; } = 1.5;
    /// <summary>How EC plugs into this method as "name+ec", or null when it cannot (the method must be a <see cref="LoopMethod"/>).</summary>
    public EcHosting? Ec { get; init; }
    /// <summary>Where tables and the default grid list it, lower first (the built-ins use 0-90); ties keep the order methods were registered in.</summary>
    public int TableOrder { get; init; } = int.MaxValue;

    /// <summary>Checks the name's form and the defaults; the catalog calls it when it registers a method.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name != Name.Trim().ToLowerInvariant() || Name.IndexOfAny([':', '.', ',', '=', ' ']) >= 0 || EcHosting.IsPlugIn(Name))
            throw new ArgumentException($"Method name '{Name}' must be lower case without spaces, ':', '.', ',' or '=' and must not end in \"+ec\" (the plug-in form).");
        if (Name == "original") throw new ArgumentException("'original' is the model unlearning starts from; choose another method name.");
        if (!(Cost > 0) || double.IsInfinity(Cost)) throw new ArgumentException($"Method {Name}: cost must be positive, got {Cost}.");
        DefaultConfig.Validate();
        Ec?.Config?.Validate();
    }
}
