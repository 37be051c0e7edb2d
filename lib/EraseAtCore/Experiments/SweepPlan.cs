using System.Text.Json;
using System.Text.Json.Serialization;
using EraseAtCore.Data;
using EraseAtCore.Runtime;

namespace EraseAtCore.Experiments;

/// <summary>
/// sweep.json: a grid of experiments (presets x forget requests, each over seeds x models) cut into array tasks. The
/// base tasks, one per preset and seed, train (or import) the Original into the preset's shared folder and produce
/// each request's Retrain; the shards, dealt by estimated cost, produce every other model, each shard into its own
/// folder, reading the Original and the Retrain from the base tasks' folders. Layout under the root:
/// <c>PRESET/originals/</c>, <c>PRESET/REQUEST/base-seedS/</c>, <c>PRESET/REQUEST/shard-K/</c>, and the merged results in
/// <c>PRESET/REQUEST/</c>.
/// </summary>
public sealed record SweepPlan
{
    /// <summary>The file's name in the root.</summary>
    public const string FileName = "sweep.json";

    /// <summary>Format tag.</summary>
    [JsonPropertyName("schema")] public string Schema { get; init; } = "erase-core.sweep/1";
    /// <summary>The library that wrote the plan (tasks refuse a plan of another major.minor: its cache keys differ).</summary>
    [JsonPropertyName("erase_core")] public string Version { get; init; } = Training.Checkpoint.LibraryVersion;
    /// <summary>What every experiment shares.</summary>
    [JsonPropertyName("settings")] public required ExperimentSettings Settings { get; init; }
    /// <summary>The experiments: every preset with every forget request.</summary>
    [JsonPropertyName("experiments")] public required IReadOnlyList<SweepExperiment> Experiments { get; init; }
    /// <summary>One task per preset and seed: the Original, then each request's Original evaluation and Retrain.</summary>
    [JsonPropertyName("bases")] public required IReadOnlyList<SweepTask> Bases { get; init; }
    /// <summary>The other models, dealt by estimated cost.</summary>
    [JsonPropertyName("shards")] public required IReadOnlyList<SweepTask> Shards { get; init; }

    /// <summary>Shards when none are asked for: this many, or one per model when there are fewer.</summary>
    public const int DefaultShards = 4;

    /// <summary>
    /// Plans every preset with every request (none given: the preset's own) over the settings' seeds and models, cut
    /// into <paramref name="shards"/> shards (null: <see cref="DefaultShards"/> or fewer); refuses more shards than models to deal.
    /// Presets are found by name with <paramref name="presetNamed"/> (default <see cref="Preset.Get"/>).
    /// </summary>
    public static SweepPlan Make(ExperimentSettings settings, IReadOnlyList<string> presets, IReadOnlyList<ForgetRequest> requests, int? shards = null,
        Func<string, Preset>? presetNamed = null)
    {
        if (presets.Count == 0) throw new ArgumentException("Give at least one --preset.");
        if (presets.Distinct().Count() != presets.Count) throw new ArgumentException($"--preset names a preset twice: {string.Join(", ", presets)}.");
        // Every task reads the model list from the plan, not from its own catalogue.
        settings = settings with { Methods = settings.ModelNames.Where(m => m != "original").ToList() };
        var experiments = new List<SweepExperiment>();
        foreach (var name in presets)
        {
            var preset = (presetNamed ?? Preset.Get)(name);
            foreach (var request in requests.Count > 0 ? requests.Cast<ForgetRequest?>() : [null])
            {
                var forget = request ?? (preset.Requires is { } needed
                    ? throw new ArgumentException($"The {preset.Name} preset needs {needed} (in a sweep: --forget-set file:PATH).")
                    : preset.DefaultForgetRequest);
                experiments.Add(new SweepExperiment(preset.Name, forget, $"{preset.Name}/{forget.Label}"));
            }
            CheckSharedModules(settings, preset);
        }
        if (experiments.GroupBy(e => e.Folder).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"Two forget requests share the folder {twice.Key}: give each once.");
        if (settings.RetrainFile is not null && experiments.Count > 1)
            throw new ArgumentException($"--retrain gives one oracle, but the sweep has {experiments.Count} experiments, each with its own Retrain: sweep one preset and forget request with it, or drop --retrain.");
        if (settings.OriginalFile is not null && presets.Count > 1)
            throw new ArgumentException($"--original gives one Original, but the sweep has {presets.Count} presets: sweep one preset with it, or drop --original.");

        var models = settings.ModelNames;
        bool retrain = models.Contains("retrain");
        var bases = presets.Select(p => (presetNamed ?? Preset.Get)(p).Name).SelectMany(p => settings.Seeds.Select(seed => (p, seed)))
            .Select((b, i) => new SweepTask(i + 1, experiments.Select((e, x) => (e, x)).Where(e => e.e.Preset == b.p)
                .SelectMany((e, nth) => (retrain ? new[] { "original", "retrain" } : ["original"]).Select(m => new SweepCell(e.x, m, b.seed, BaseCost(m, nth == 0, settings))))
                .ToList()))
            .ToList();
        var rest = experiments.SelectMany((_, x) => settings.Seeds.SelectMany(seed => models.Where(m => m is not "original" and not "retrain")
            .Select(m => new SweepCell(x, m, seed, MethodCatalog.Cost(m))))).ToList();
        if (rest.Count == 0) throw new ArgumentException("The sweep has no model beyond the Original and Retrain for its shards: add --methods.");
        int count = shards ?? Math.Min(DefaultShards, rest.Count);
        if (count < 1 || count > rest.Count)
            throw new ArgumentException($"--shards {count}: the sweep has {rest.Count} models to deal beyond the Originals and Retrains; use 1 to {rest.Count} shards.");
        var owner = Shard.Balance(rest.Select(c => c.Cost).ToList(), count);
        var shardTasks = Enumerable.Range(0, count).Select(k => new SweepTask(k + 1, rest.Where((_, i) => owner[i] == k).ToList())).ToList();
        return new SweepPlan { Settings = settings, Experiments = experiments, Bases = bases, Shards = shardTasks };
    }

    // The Original trains once per base task, for its first request (nothing to train when it is imported); its
    // evaluation for each request is small beside a training, so it is not counted.
    static double BaseCost(string model, bool firstRequest, ExperimentSettings settings) => model switch
    {
        "original" => firstRequest && settings.OriginalFile is null ? MethodCatalog.Cost("original") : 0,
        _ => settings.RetrainFile is null ? MethodCatalog.Cost(model) : 0,
    };

    // EC modules shared per Original would be trained by every shard that runs an EC model of that Original, at once,
    // into one file; however they are asked for (--ec-modules, --option ec.modules=shared, a variant), a sweep refuses them.
    static void CheckSharedModules(ExperimentSettings settings, Preset preset)
    {
        var perMethod = settings.PerMethod().Over(MethodSettings.Parse(preset.UnlearnOptions));
        foreach (var name in settings.ModelNames.Where(n => n != "original"))
            if (perMethod.Resolve(name, 0).Options.TryGetValue("modules", out var modules) && modules == "shared")
                throw new ArgumentException($"{name}: EC modules 'shared' are trained once per Original where the first EC model runs; a sweep's shards run at once and " +
                                            "would each train them into one file. Leave modules out for a sweep (a warm-up per model).");
    }

    /// <summary>The tasks of a kind: <see cref="Bases"/> or <see cref="Shards"/>.</summary>
    public IReadOnlyList<SweepTask> Tasks(SweepTaskKind kind) => kind == SweepTaskKind.Base ? Bases : Shards;

    /// <summary>The task <paramref name="index"/> (1-based) of a kind, with a clear error when there is none.</summary>
    public SweepTask TaskAt(SweepTaskKind kind, int index)
    {
        var tasks = Tasks(kind);
        return index >= 1 && index <= tasks.Count ? tasks[index - 1]
            : throw new ArgumentException($"The sweep has {tasks.Count} {kind.ToString().ToLowerInvariant()} tasks (1 to {tasks.Count}); got {index}.");
    }

    /// <summary>The index of <paramref name="experiment"/> in <see cref="Experiments"/> (the same instance: requests hold lists, which records compare by reference).</summary>
    public int IndexOf(SweepExperiment experiment) =>
        Experiments.Select((e, i) => (e, i)).FirstOrDefault(p => ReferenceEquals(p.e, experiment)) is { e: not null } found ? found.i
            : throw new ArgumentException($"{experiment} is not an experiment of this sweep.");

    /// <summary>Where experiment <paramref name="experiment"/>'s merged results go.</summary>
    public static string ExperimentFolder(string root, SweepExperiment experiment) => Path.Combine(root, experiment.Folder);

    /// <summary>The folder of a preset's Originals, shared by its base tasks (one seed each) and read by its shards.</summary>
    public static string OriginalsFolder(string root, string preset) => Path.Combine(root, preset, "originals");

    /// <summary>The run folder of task <paramref name="task"/> of a kind for <paramref name="experiment"/>: base-seedS or shard-K.</summary>
    public string TaskFolder(string root, SweepTaskKind kind, SweepTask task, SweepExperiment experiment) =>
        Path.Combine(ExperimentFolder(root, experiment), kind == SweepTaskKind.Base ? $"base-seed{task.Cells[0].Seed}" : $"shard-{task.Index}");

    /// <summary>The plan in <paramref name="root"/>, with a clear error when there is none or it is of another version.</summary>
    public static SweepPlan Read(string root)
    {
        string file = Path.Combine(root, FileName);
        if (!File.Exists(file)) throw new ArgumentException($"No {FileName} in '{root}'. Pass the --root of `erase-core sweep`.");
        SweepPlan plan;
        try { plan = JsonSerializer.Deserialize<SweepPlan>(File.ReadAllText(file), RunFolder.Json) ?? throw new ArgumentException($"'{file}' is empty."); }
        catch (JsonException e) { throw new ArgumentException($"'{file}' is not a sweep plan of erase-core ({e.Message})."); }
        if (MajorMinor(plan.Version) != MajorMinor(Training.Checkpoint.LibraryVersion))
            throw new ArgumentException($"'{file}' was planned by erase-core {plan.Version}, this is {Training.Checkpoint.LibraryVersion}: their cache keys differ. " +
                                        "Run the sweep's tasks with the version that planned it, or plan it again into a new --root.");
        return plan;
    }

    /// <summary>Writes sweep.json into <paramref name="root"/> (atomically).</summary>
    public void Write(string root)
    {
        Directory.CreateDirectory(root);
        AtomicFile.WriteAllText(Path.Combine(root, FileName), JsonSerializer.Serialize(this, RunFolder.Json));
    }

    static string MajorMinor(string version) => string.Join('.', version.Split('.').Take(2));
}
