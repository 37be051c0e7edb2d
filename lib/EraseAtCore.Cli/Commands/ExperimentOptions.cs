using System.CommandLine;
using EraseAtCore.Experiments;

namespace EraseAtCore.Cli.Commands;

/// <summary>
/// The options of `reproduce` that every experiment of a sweep shares too (the grid's seeds, methods and settings, the
/// Original's epochs, files to start from, EC modules, data folder, device), read into <see cref="ExperimentSettings"/>
/// with the checks that must pass before any work.
/// </summary>
sealed class ExperimentOptions
{
    readonly GridOptions _grid = new(1, "Repeats with seeds S..S+N-1 (S = --first-seed); tables report mean ± std and the claims' verdicts use them.",
        $"Methods to run after the Original (default all: {string.Join(", ", MethodCatalog.Names)}); variants such as ec:lr=0.02 allowed.");
    readonly Option<string?> _original = new("--original") { Description = "Start from this Original instead of training one: a .ckpt of the kit or a PyTorch file (.pth, .tar, .safetensors) of the preset's architecture." };
    readonly Option<string?> _retrain = new("--retrain") { Description = "Compare with this retrained oracle instead of training one (same formats as --original)." };
    readonly Option<string?> _ecModules = new("--ec-modules") { Description = "EC modules for EC and every X+EC (a file from `erase-core ec-modules`), or 'shared' to train them once per Original here; default: a warm-up per run." };
    readonly Option<int?> _trainEpochs = new("--train-epochs") { Description = "Epochs of the Original and Retrain (default: the preset's); fewer for a quick smoke run. Part of the cache key." };
    readonly Option<string?> _dataDir = CommonOptions.DataDir();
    readonly Option<string> _device = CommonOptions.Device();

    /// <summary>The options that shape the grid's experiments (a sweep's --resume refuses them: the plan holds them).</summary>
    public IEnumerable<Option> All => [.. _grid.All, _original, _retrain, _ecModules, _trainEpochs, _dataDir, _device];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Add(option);
    }

    /// <summary>
    /// The settings given, files checked to exist. With <paramref name="absolutePaths"/> (a sweep, whose tasks start in other
    /// folders) paths are made absolute; otherwise they stay as given, since the EC modules' path is part of a model's
    /// cache key and a run folder resumed with the same command must find its models.
    /// </summary>
    public ExperimentSettings Read(ParseResult parse, bool absolutePaths = false)
    {
        string Place(string path) => absolutePaths ? Path.GetFullPath(path) : path;
        string? Existing(Option<string?> option)
        {
            if (parse.GetValue(option) is not { } file) return null;
            if (!File.Exists(file)) throw new ArgumentException($"{option.Name} {file}: no such file.");
            return Place(file);
        }
        string? modules = parse.GetValue(_ecModules);
        if (modules is not null && modules != "shared" && !File.Exists(modules)) throw new ArgumentException($"--ec-modules {modules}: no such file (or say 'shared').");
        var settings = new ExperimentSettings
        {
            Seeds = _grid.Seeds(parse), Methods = _grid.Methods(parse), Options = parse.GetValue(_grid.OptionItems) ?? [],
            RelearnSteps = _grid.RelearnSteps(parse), TrainEpochs = parse.GetValue(_trainEpochs),
            OriginalFile = Existing(_original), RetrainFile = Existing(_retrain),
            EcModules = modules is null or "shared" ? modules : Place(modules),
            DataDir = parse.GetValue(_dataDir) is { } dir ? Place(dir) : null, Device = parse.GetValue(_device)!,
        };
        if (settings.RetrainFile is not null && !settings.ModelNames.Contains("retrain"))
            throw new ArgumentException("--retrain is given but retrain is not among --methods: add retrain, or drop --retrain.");
        return settings;
    }

    /// <summary>Checks, before any work, that every model's settings resolve and the data folder is usable for <paramref name="preset"/>.</summary>
    public static void Check(ExperimentSettings settings, Preset preset)
    {
        var recipe = settings.Recipe(preset);
        GridOptions.CheckBeforeWork(settings.ModelNames, settings.PerMethod().Over(MethodSettings.Parse(recipe.UnlearnOptions)), recipe.Train);
        recipe.CheckDataFolder(settings.DataDir);
    }
}
