using System.Text.Json.Serialization;
using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Runtime;
using EraseAtCore.Unlearning;

namespace EraseAtCore.Experiments;

/// <summary>
/// What a reproduce run, or every experiment of a sweep, takes beside its preset, forget request and folder: the grid's
/// seeds and methods, per-method settings, the Original's epochs, files to start from, EC modules, the data folder and
/// the device, as the command line gave them. A sweep stores them in sweep.json, so each of its tasks builds the same
/// <see cref="ExperimentConfig"/> that `reproduce` would.
/// </summary>
public sealed record ExperimentSettings
{
    /// <summary>Seeds; each runs the whole grid.</summary>
    [JsonPropertyName("seeds")] public IReadOnlyList<int> Seeds { get; init; } = [0];
    /// <summary>Methods after the Original (null: every method of <see cref="MethodCatalog.Names"/>).</summary>
    [JsonPropertyName("methods")] public IReadOnlyList<string>? Methods { get; init; }
    /// <summary>Per-method settings, <c>method.key=value</c>.</summary>
    [JsonPropertyName("options")] public IReadOnlyList<string> Options { get; init; } = [];
    /// <summary>Steps of the relearning attack (0 skips it).</summary>
    [JsonPropertyName("relearn_steps")] public int RelearnSteps { get; init; } = 10;
    /// <summary>Epochs of the Original and Retrain instead of the preset's.</summary>
    [JsonPropertyName("train_epochs")] public int? TrainEpochs { get; init; }
    /// <summary>The Original to start from instead of training one (see <see cref="ExperimentConfig.OriginalFile"/>).</summary>
    [JsonPropertyName("original_file")] public string? OriginalFile { get; init; }
    /// <summary>The retrained oracle to compare with instead of training one.</summary>
    [JsonPropertyName("retrain_file")] public string? RetrainFile { get; init; }
    /// <summary>EC modules for EC and every X+EC: a file, "shared" (trained once per Original), or null (a warm-up per run).</summary>
    [JsonPropertyName("ec_modules")] public string? EcModules { get; init; }
    /// <summary>Folder of the full dataset's files (null: the usual search).</summary>
    [JsonPropertyName("data_dir")] public string? DataDir { get; init; }
    /// <summary>Where to compute, as given ("auto", "cpu", "cuda", "cuda:1"); resolved where the run happens.</summary>
    [JsonPropertyName("device")] public string Device { get; init; } = "auto";

    /// <summary>The model names of the grid: original first, then the methods.</summary>
    [JsonIgnore] public IReadOnlyList<string> ModelNames => ExperimentConfig.ModelNamesOf(Methods);

    /// <summary>Every model at every seed, as each experiment's <see cref="ExperimentConfig.Grid"/>.</summary>
    [JsonIgnore] public IReadOnlyList<GridCell> Grid => GridCell.Every(Seeds, ModelNames);

    /// <summary><paramref name="preset"/> with <see cref="TrainEpochs"/> applied (checked).</summary>
    public Preset Recipe(Preset preset)
    {
        if (TrainEpochs is not { } epochs) return preset;
        var changed = preset with { Train = preset.Train with { Epochs = epochs } };
        changed.Train.Validate();
        return changed;
    }

    /// <summary>The per-method settings: <see cref="Options"/>, with the EC modules for EC and every X+EC when given.</summary>
    public MethodSettings PerMethod()
    {
        var settings = Experiments.MethodSettings.Parse(Options);
        if (EcModules is not { } modules) return settings;
        var ecFamily = ModelNames.Select(Experiments.MethodSettings.MethodOf).Where(m => m == "ec" || EcHosting.IsPlugIn(m)).Distinct();
        return settings.Over(Experiments.MethodSettings.Parse(ecFamily.Select(m => $"{m}.modules={modules}")));
    }

    /// <summary>The run of <paramref name="preset"/> forgetting <paramref name="forget"/> (null: the preset's) into <paramref name="output"/>.</summary>
    public ExperimentConfig Config(Preset preset, ForgetRequest? forget, string output, Action<string>? log = null) => new()
    {
        Preset = Recipe(preset), Forget = forget, Seeds = Seeds, Methods = Methods, Settings = PerMethod(), Output = output,
        Device = DeviceChoice.Resolve(Device), Relearning = RelearnSteps > 0 ? new RelearningOptions(RelearnSteps) : null,
        OriginalFile = OriginalFile, RetrainFile = RetrainFile, DataSearch = new DataSearch { ExplicitFolder = DataDir, Log = log },
    };
}
