using System.CommandLine;
using EraseAtCore.Experiments;
using EraseAtCore.Metrics;
using EraseAtCore.Training;

namespace EraseAtCore.Cli.Commands;

/// <summary>
/// --seeds / --first-seed / --methods / --option / --relearn-steps, shared by the commands that run a grid of models
/// over seeds (reproduce, study), with the checks that must pass before any work starts.
/// </summary>
sealed class GridOptions
{
    readonly Option<int> _seeds;
    readonly Option<int> _firstSeed = new("--first-seed")
    {
        Description = "First seed S (e.g. 100 for selection seeds kept apart from the report seeds 0..).", DefaultValueFactory = _ => 0,
    };
    readonly Option<string[]> _methods;
    readonly Option<string[]> _options = new("--option")
    {
        Description = "Per-method setting method.key=value, repeatable: shared keys (" + string.Join(", ", MethodSettings.SharedKeys) +
                      ") or the method's knobs, e.g. --option ec.temperature=0.2 --option salun.sparsity=0.3; all.steps=100 gives every method the same step budget. Part of each model's cache key.",
        AllowMultipleArgumentsPerToken = false,
    };
    readonly Option<int> _relearnSteps = new("--relearn-steps") { Description = "Steps of the relearning attack (0 skips it).", DefaultValueFactory = _ => 10 };

    /// <summary>Options whose defaults and help depend on the command: its seed count and its default models.</summary>
    public GridOptions(int defaultSeeds, string seedsHelp, string methodsHelp)
    {
        _seeds = new Option<int>("--seeds") { Description = seedsHelp, DefaultValueFactory = _ => defaultSeeds };
        _methods = new Option<string[]>("--methods") { Description = methodsHelp, AllowMultipleArgumentsPerToken = true };
    }

    /// <summary>Every option here.</summary>
    public IEnumerable<Option> All => [_seeds, _firstSeed, _methods, _options, _relearnSteps];

    /// <summary>The --option option itself (its items as given).</summary>
    public Option<string[]> OptionItems => _options;

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Add(option);
    }

    /// <summary>Seeds S..S+N-1.</summary>
    public IReadOnlyList<int> Seeds(ParseResult parse)
    {
        int n = parse.GetValue(_seeds);
        if (n < 1) throw new ArgumentException($"--seeds must be at least 1, got {n}.");
        return Enumerable.Range(parse.GetValue(_firstSeed), n).ToList();
    }

    /// <summary>The model names asked for (lower case, each checked), or null for the command's default.</summary>
    public IReadOnlyList<string>? Methods(ParseResult parse)
    {
        var names = parse.GetValue(_methods) is { Length: > 0 } m ? m.Select(x => x.ToLowerInvariant()).ToArray() : null;
        foreach (var name in names ?? []) MethodSettings.CheckModelName(name, "--methods");
        return names;
    }

    /// <summary>The --option items.</summary>
    public MethodSettings Settings(ParseResult parse) => MethodSettings.Parse(parse.GetValue(_options) ?? []);

    /// <summary>The relearning attack, or null when --relearn-steps is 0.</summary>
    public RelearningOptions? Relearning(ParseResult parse) => RelearnSteps(parse) is > 0 and var steps ? new RelearningOptions(steps) : null;

    /// <summary>Steps of the relearning attack (0 skips it).</summary>
    public int RelearnSteps(ParseResult parse) => parse.GetValue(_relearnSteps) is >= 0 and var steps ? steps : throw new ArgumentException($"--relearn-steps cannot be negative, got {parse.GetValue(_relearnSteps)}.");

    /// <summary>Resolves every model's settings before any work, so a bad option fails now and not an hour in.</summary>
    public static void CheckBeforeWork(IEnumerable<string> models, MethodSettings settings, TrainConfig recipe)
    {
        foreach (var name in models.Where(x => x != "original"))
            MethodCatalog.Create(MethodSettings.MethodOf(name), recipe, settings.Resolve(name, 0).MethodOptions);
    }
}
