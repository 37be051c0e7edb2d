using System.Text.Json.Serialization;

namespace EraseAtCore.Experiments;

/// <summary>
/// Every measure of one model of one seed: one entry of results.json's "models". Accuracies are fractions in
/// [0, 1]; per-stage maps use the model's stage names (layer1..layer4 for ResNets).
/// </summary>
public sealed record ModelRecord
{
    /// <summary>original, retrain, ft, ga, neggrad+, rl, salun, scrub, l1-sparse, cu, ec, rl+ec, salun+ec, scrub+ec, neggrad++ec.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }
    /// <summary>The seed of this repeat.</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>Accuracy on the forget set (train split): unlearning accuracy.</summary>
    [JsonPropertyName("ua")] public double Ua { get; init; }
    /// <summary>Accuracy on the retain set (train split).</summary>
    [JsonPropertyName("ra")] public double Ra { get; init; }
    /// <summary>Test accuracy on retain classes.</summary>
    [JsonPropertyName("ta")] public double Ta { get; init; }
    /// <summary>Test accuracy on the forget classes (NaN for sample-wise forgetting, written as null).</summary>
    [JsonPropertyName("forget_test_acc")] public double? ForgetTestAcc { get; init; }
    /// <summary>MIA-efficacy on the forget set.</summary>
    [JsonPropertyName("mia")] public double Mia { get; init; }
    /// <summary>Per stage, linear CKA to the Original on test features.</summary>
    [JsonPropertyName("cka_to_original")] public IReadOnlyDictionary<string, double> CkaToOriginal { get; init; } = new Dictionary<string, double>();
    /// <summary>Per stage, linear CKA to Retrain on test features (null when Retrain was not run).</summary>
    [JsonPropertyName("cka_to_retrain")] public IReadOnlyDictionary<string, double>? CkaToRetrain { get; init; }
    /// <summary>Per stage, linear-probe accuracy on the forget classes' test images (probe fitted on all classes).</summary>
    [JsonPropertyName("probe_forget_acc")] public IReadOnlyDictionary<string, double> ProbeForgetAcc { get; init; } = new Dictionary<string, double>();
    /// <summary>Per stage, k-NN accuracy on the forget classes' test images (the kit's k = 20).</summary>
    [JsonPropertyName("knn_forget_acc")] public IReadOnlyDictionary<string, double> KnnForgetAcc { get; init; } = new Dictionary<string, double>();
    /// <summary>Per stage, k-NN accuracy on the forget classes' test images with UUEF's protocol (k = 5, cosine, train split as reference).</summary>
    [JsonPropertyName("knn5_forget_acc")] public IReadOnlyDictionary<string, double> KnnUuefForgetAcc { get; init; } = new Dictionary<string, double>();
    /// <summary>Relearning attack: held-out forget accuracy before (entry 0) and after each fine-tuning step.</summary>
    [JsonPropertyName("relearn_forget_acc")] public IReadOnlyList<double> RelearnForgetAcc { get; init; } = [];
    /// <summary>Wall time of training or unlearning, in seconds (evaluation excluded).</summary>
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    /// <summary>Wall time of evaluation and the relearning attack, in seconds.</summary>
    [JsonPropertyName("eval_seconds")] public double EvalSeconds { get; init; }
    /// <summary>The method this model ran (differs from <see cref="Name"/> for a variant such as ec:lr=0.02).</summary>
    [JsonPropertyName("method")] public string? Method { get; init; }
    /// <summary>The unlearning settings used (null for original and retrain).</summary>
    [JsonPropertyName("config")] public Unlearning.UnlearnConfig? Config { get; init; }
    /// <summary>The method's own knobs given (key=value as text; empty: its defaults).</summary>
    [JsonPropertyName("options")] public IReadOnlyDictionary<string, string>? Options { get; init; }
    /// <summary>The method's own settings as it ran, defaults included (e.g. every EcOptions field); null for original and retrain.</summary>
    [JsonPropertyName("settings")] public object? Settings { get; init; }
    /// <summary>Why the run stopped early (divergence guard), else null.</summary>
    [JsonPropertyName("stop_reason")] public string? StopReason { get; init; }
    /// <summary>
    /// completed, stopped-early (the guard stopped it and kept a state past the Original's) or diverged (nothing was
    /// unlearned: the measures are NaN and the model is kept out of tables and verdicts); see <see cref="Unlearning.UnlearnOutcome"/>.
    /// </summary>
    [JsonPropertyName("status")] public string Status { get; init; } = Unlearning.UnlearnOutcome.Completed;

    /// <summary>False for a model that is not a result (<see cref="Status"/> diverged): tables, charts and verdicts leave it out.</summary>
    [JsonIgnore] public bool IsResult => Status != Unlearning.UnlearnOutcome.Diverged;

    /// <summary>The record of a run that produced no model: every measure NaN, its status and why.</summary>
    public static ModelRecord Failed(string name, int seed, string status, string reason, double seconds) => new()
    {
        Name = name, Seed = seed, Ua = double.NaN, Ra = double.NaN, Ta = double.NaN, Mia = double.NaN, Status = status, StopReason = reason, Seconds = seconds,
    };

    /// <summary>Mean CKA to the Original over <paramref name="stages"/> (all stages when null).</summary>
    public double MeanCka(IEnumerable<string>? stages = null) => (stages ?? CkaToOriginal.Keys).Select(s => CkaToOriginal[s]).Average();
}

/// <summary>2-D PCA of last-stage test features of one model, for the report's projection chart.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Stage">The stage projected.</param>
/// <param name="X">First component per test image.</param>
/// <param name="Y">Second component per test image.</param>
/// <param name="Labels">Class per test image.</param>
public sealed record ProjectionRecord(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("x")] IReadOnlyList<double> X,
    [property: JsonPropertyName("y")] IReadOnlyList<double> Y,
    [property: JsonPropertyName("labels")] IReadOnlyList<int> Labels);

/// <summary>Mean and standard deviation over seeds of one model's headline measures (the table's row).</summary>
public sealed record SummaryRow
{
    /// <summary>Model name.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }
    /// <summary>Seeds averaged.</summary>
    [JsonPropertyName("seeds")] public int Seeds { get; init; }
    /// <summary>Mean and std of UA, RA, TA, MIA, mean CKA, last-stage probe, seconds, keyed by measure.</summary>
    [JsonPropertyName("mean")] public IReadOnlyDictionary<string, double> Mean { get; init; } = new Dictionary<string, double>();
    /// <summary>Sample standard deviation (0 for one seed).</summary>
    [JsonPropertyName("std")] public IReadOnlyDictionary<string, double> Std { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// results.json: a stable, documented format (schema "erase-core.results/1", see the README) with every
/// measure of every model, the configuration, seeds, versions and timings.
/// </summary>
public sealed record ResultsDocument
{
    /// <summary>Format tag; bumped on breaking changes.</summary>
    [JsonPropertyName("schema")] public string Schema { get; init; } = "erase-core.results/1";
    /// <summary>Preset name.</summary>
    [JsonPropertyName("preset")] public required string Preset { get; init; }
    /// <summary>The forget request.</summary>
    [JsonPropertyName("forget")] public required ForgetRequest Forget { get; init; }
    /// <summary>The first seed (the one charts show).</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>All seeds run.</summary>
    [JsonPropertyName("seeds")] public IReadOnlyList<int> Seeds { get; init; } = [];
    /// <summary>Stage names of the model, input to output.</summary>
    [JsonPropertyName("stages")] public IReadOnlyList<string> Stages { get; init; } = [];
    /// <summary>Class names of the dataset.</summary>
    [JsonPropertyName("class_names")] public IReadOnlyList<string> ClassNames { get; init; } = [];
    /// <summary>One entry per model and seed.</summary>
    [JsonPropertyName("models")] public IReadOnlyList<ModelRecord> Models { get; init; } = [];
    /// <summary>Mean +/- std over seeds per model name, in table order.</summary>
    [JsonPropertyName("summary")] public IReadOnlyList<SummaryRow> Summary { get; init; } = [];
    /// <summary>The paper's claims (a)-(e), each with its verdict and the paired differences behind it.</summary>
    [JsonPropertyName("claims")] public IReadOnlyList<ClaimVerdict> Claims { get; init; } = [];
    /// <summary>Per headline measure, whether it tells Retrain from the Original beyond the seeds' noise.</summary>
    [JsonPropertyName("separation")] public IReadOnlyList<MetricSeparation> Separation { get; init; } = [];
    /// <summary>PCA pictures (first seed).</summary>
    [JsonPropertyName("projections")] public IReadOnlyList<ProjectionRecord> Projections { get; init; } = [];
    /// <summary>Preset, model and evaluation settings.</summary>
    [JsonPropertyName("config")] public IReadOnlyDictionary<string, object?> Config { get; init; } = new Dictionary<string, object?>();
    /// <summary>Library, TorchSharp, libtorch and .NET versions, device and threads.</summary>
    [JsonPropertyName("versions")] public IReadOnlyDictionary<string, string> Versions { get; init; } = new Dictionary<string, string>();
    /// <summary>Seconds per phase (original, retrain, each method, evaluation, report), summed over seeds.</summary>
    [JsonPropertyName("timings")] public IReadOnlyDictionary<string, double> Timings { get; init; } = new Dictionary<string, double>();
    /// <summary>Which slice of the method x seed grid this run covered ("1/1" for all).</summary>
    [JsonPropertyName("shard")] public string Shard { get; init; } = "1/1";
    /// <summary>
    /// Resident memory of the run's process in MiB: after each model (key: the model's name, "name@seed" for later
    /// seeds; cached models included) and "peak" (VmHWM at the end). Linux only (empty elsewhere); merged runs keep
    /// the largest value per key. Shows whether memory grows from method to method.
    /// </summary>
    [JsonPropertyName("memory_mib")] public IReadOnlyDictionary<string, double> MemoryMiB { get; init; } = new Dictionary<string, double>();
}
