using EraseAtCore.Data;
using EraseAtCore.Metrics;
using static TorchSharp.torch;

namespace EraseAtCore.Experiments;

/// <summary>Which slice of the model x seed grid a run covers: item i of the grid belongs to shard i mod Count.</summary>
/// <param name="Index">0-based shard index.</param>
/// <param name="Count">Number of shards.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>The whole grid.</summary>
    public static Shard All { get; } = new(0, 1);

    /// <summary>Parses "i/n" with 1 &lt;= i &lt;= n (1-based on the command line).</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int i) || !int.TryParse(parts[1], out int n) || n < 1 || i < 1 || i > n)
            throw new ArgumentException($"--shard '{text}' must be i/n with 1 <= i <= n, e.g. --shard 2/4.");
        return new Shard(i - 1, n);
    }

    /// <summary>True when grid item <paramref name="item"/> is this shard's.</summary>
    public bool Owns(int item) => item % Count == Index;

    /// <inheritdoc />
    public override string ToString() => $"{Index + 1}/{Count}";
}

/// <summary>Everything an experiment run needs; each field has the documented default.</summary>
public sealed record ExperimentConfig
{
    /// <summary>Preset (data, model, Original's recipe).</summary>
    public required Preset Preset { get; init; }
    /// <summary>What to forget; default the preset's classes.</summary>
    public ForgetRequest? Forget { get; init; }
    /// <summary>Seeds: each runs the whole grid. Default [0].</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [0];
    /// <summary>
    /// Methods after the Original, in table order. Default every method of <see cref="MethodCatalog.Names"/>. A variant
    /// <c>method:key=value,...</c> (e.g. <c>ec:lr=0.02,temperature=0.2</c>) runs under its own name beside the others.
    /// </summary>
    public IReadOnlyList<string>? Methods { get; init; }
    /// <summary>Per-method settings (<c>--option scope.key=value</c>); part of every model's cache key.</summary>
    public MethodSettings Settings { get; init; } = MethodSettings.None;
    /// <summary>
    /// A folder whose <c>models/seed{S}/original.ckpt</c> holds the Originals (null: <see cref="Output"/>). The Original
    /// does not depend on what is forgotten, so a study's forget requests share one Original per seed.
    /// </summary>
    public string? OriginalsFolder { get; init; }
    /// <summary>
    /// The Original to start from instead of training one: a checkpoint of the kit (.ckpt) or a PyTorch file (.pth, .pt, .tar,
    /// .safetensors) of the preset's architecture, e.g. the authors' released model. Part of the cache key by content.
    /// </summary>
    public string? OriginalFile { get; init; }
    /// <summary>The retrained oracle to compare with instead of training one (same formats as <see cref="OriginalFile"/>).</summary>
    public string? RetrainFile { get; init; }
    /// <summary>Output folder (results, report, checkpoints, cache).</summary>
    public required string Output { get; init; }
    /// <summary>
    /// Where results.json, results.csv, table.md and report.html go when not in <see cref="Output"/> (null: there).
    /// The model cache stays in <see cref="Output"/>: notebooks run a few models against the main job's cache and
    /// write their smaller tables here, so they never overwrite the main job's full report.
    /// </summary>
    public string? ResultsFolder { get; init; }
    /// <summary>Where to compute.</summary>
    public Device Device { get; init; } = CPU;
    /// <summary>Relearning attack settings; null skips it.</summary>
    public RelearningOptions? Relearning { get; init; } = new();
    /// <summary>Models whose last-stage features get a PCA picture (first seed). Default original, rl, ec.</summary>
    public IReadOnlyList<string> ProjectionModels { get; init; } = ["original", "rl", "ec"];
    /// <summary>Metric settings.</summary>
    public EvaluationOptions Evaluation { get; init; } = new();
    /// <summary>Slice of the grid to run.</summary>
    public Shard Shard { get; init; } = Shard.All;
    /// <summary>Data search settings (folders, logging).</summary>
    public Data.DataSearch? DataSearch { get; init; }

    /// <summary>The forget request in force.</summary>
    public ForgetRequest ForgetOrDefault => Forget ?? (Preset.Requires is { } needed
        ? throw new ArgumentException($"The {Preset.Name} preset needs {needed}")
        : Preset.DefaultForgetRequest);

    /// <summary>The per-model settings in force: the preset's unlearning recipe under <see cref="Settings"/>.</summary>
    public MethodSettings EffectiveSettings => Settings.Over(MethodSettings.Parse(Preset.UnlearnOptions));

    /// <summary>The grid in run order: every (seed, model) pair. Item i belongs to shard i mod n.</summary>
    public IReadOnlyList<(int Seed, string Name)> Grid => Seeds.SelectMany(seed => ModelNames.Select(name => (seed, name))).ToList();

    /// <summary>This run's items of <see cref="Grid"/>; refuses a shard that holds none, before any work.</summary>
    public IReadOnlyList<(int Seed, string Name)> ShardItems()
    {
        var grid = Grid;
        var mine = grid.Where((_, i) => Shard.Owns(i)).ToList();
        if (mine.Count == 0)
            throw new ArgumentException($"Shard {Shard} holds none of the grid's {grid.Count} models ({Seeds.Count} seeds x {ModelNames.Count} models): use at most {grid.Count} shards.");
        return mine;
    }

    /// <summary>The model names in force: original first, then the methods (retrain included by default).</summary>
    public IReadOnlyList<string> ModelNames => ["original", .. (Methods ?? MethodCatalog.Names).Where(m => m != "original")];
}
