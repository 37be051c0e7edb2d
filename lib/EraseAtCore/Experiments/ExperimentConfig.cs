using EraseAtCore.Data;
using EraseAtCore.Metrics;
using static TorchSharp.torch;

namespace EraseAtCore.Experiments;

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
    /// <summary>Slice of the grid to run (dealt by estimated cost; see <see cref="Shard.Balance"/>).</summary>
    public Shard Shard { get; init; } = Shard.All;
    /// <summary>The cells of <see cref="Grid"/> this run produces when a sweep chose them; null: the <see cref="Shard"/>'s.</summary>
    public IReadOnlyList<GridCell>? Cells { get; init; }
    /// <summary>
    /// Run folders of this same experiment (a sweep's base runs) where a finished Retrain is found when this run's own
    /// folder has none, so every shard measures CKA to Retrain. Read only; a Retrain of other settings is never used.
    /// </summary>
    public IReadOnlyList<string> RetrainFolders { get; init; } = [];
    /// <summary>Data search settings (folders, logging).</summary>
    public Data.DataSearch? DataSearch { get; init; }

    /// <summary>The forget request in force.</summary>
    public ForgetRequest ForgetOrDefault => Forget ?? (Preset.Requires is { } needed
        ? throw new ArgumentException($"The {Preset.Name} preset needs {needed}")
        : Preset.DefaultForgetRequest);

    /// <summary>The per-model settings in force: the preset's unlearning recipe under <see cref="Settings"/>.</summary>
    public MethodSettings EffectiveSettings => Settings.Over(MethodSettings.Parse(Preset.UnlearnOptions));

    /// <summary>The whole grid in run order: every model at every seed, seed by seed.</summary>
    public IReadOnlyList<GridCell> Grid => GridCell.Every(Seeds, ModelNames);

    /// <summary>
    /// This run's cells of <see cref="Grid"/> in run order: the sweep's <see cref="Cells"/>, else the <see cref="Shard"/>'s
    /// (dealt by <see cref="MethodCatalog.Cost"/>, the Original's evaluation counting as nothing). Refuses, before any work, a shard that holds none and a cell not in the grid.
    /// </summary>
    public IReadOnlyList<GridCell> ItemsToRun()
    {
        var grid = Grid;
        if (Cells is { } cells)
        {
            if (cells.FirstOrDefault(c => !grid.Contains(c)) is { } stray)
                throw new ArgumentException($"{stray} is not in the grid ({Seeds.Count} seeds x {ModelNames.Count} models: {string.Join(", ", ModelNames)}).");
            return grid.Where(cells.Contains).ToList();
        }
        // Every shard trains (or loads) the Original it unlearns from, so the Original's own item is only its evaluation.
        var mine = Shard.Take(grid, c => c.Name == "original" ? 0 : MethodCatalog.Cost(c.Name));
        if (mine.Count == 0)
            throw new ArgumentException($"Shard {Shard} holds none of the grid's {grid.Count} models ({Seeds.Count} seeds x {ModelNames.Count} models): use at most {grid.Count} shards.");
        return mine;
    }

    /// <summary>The model names in force: original first, then the methods (retrain included by default).</summary>
    public IReadOnlyList<string> ModelNames => ModelNamesOf(Methods);

    /// <summary>The model names of <paramref name="methods"/> (null: every method of the catalogue): original first, then the methods.</summary>
    public static IReadOnlyList<string> ModelNamesOf(IReadOnlyList<string>? methods) => ["original", .. (methods ?? MethodCatalog.Names).Where(m => m != "original")];
}
