using System.Text.Json.Serialization;
using EraseAtCore.Metrics;

namespace EraseAtCore.Experiments;

/// <summary>
/// Every measure of one model of one seed: one entry of results.json's "models". Accuracies are fractions in
/// [0, 1]; per-stage maps use the model's stage names (layer1..layer4 for ResNets).
/// </summary>
public sealed record ModelRecord
{
    /// <summary>
    /// Version of what a record measures, part of every step's cache key: bump it when a metric is added or changed,
    /// so cached records are measured again (their models are reused) rather than shown without it.
    /// </summary>
    public const int MetricsVersion = 2;

    /// <summary>The model's name: original, or a name of <see cref="MethodCatalog.Names"/> (rl, ec, rl+ec, ...) or a variant of one (ec:lr=0.02).</summary>
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

    /// <summary>
    /// The record of <paramref name="evaluation"/>: the one place an evaluation's measures become a record's, used by
    /// the runner, <c>unlearn</c> and the notebooks. CKA to Retrain, the relearning curve, times and the run's settings
    /// are not part of an evaluation; set them with <c>with</c>.
    /// </summary>
    public static ModelRecord From(string name, int seed, ForgettingEvaluation evaluation) => new()
    {
        Name = name, Seed = seed, Ua = evaluation.Logits.UA, Ra = evaluation.Logits.RA, Ta = evaluation.Logits.TA,
        ForgetTestAcc = double.IsNaN(evaluation.Logits.ForgetTest) ? null : evaluation.Logits.ForgetTest, Mia = evaluation.Mia.Efficacy,
        CkaToOriginal = evaluation.CkaToReference ?? new Dictionary<string, double>(),
        ProbeForgetAcc = evaluation.Probes.ToDictionary(kv => kv.Key, kv => kv.Value.ForgetClassAccuracy),
        KnnForgetAcc = evaluation.Knn.ToDictionary(kv => kv.Key, kv => kv.Value.ForgetClassAccuracy),
        KnnUuefForgetAcc = evaluation.KnnUuef?.ToDictionary(kv => kv.Key, kv => kv.Value.ForgetClassAccuracy) ?? new Dictionary<string, double>(),
    };

    /// <summary>The single-number measures and times, in results.csv's column order, each with its column name.</summary>
    public static IReadOnlyList<(string Column, Func<ModelRecord, double?> Of)> ScalarMeasures { get; } =
    [
        ("ua", m => m.Ua), ("ra", m => m.Ra), ("ta", m => m.Ta), ("forget_test_acc", m => m.ForgetTestAcc), ("mia", m => m.Mia),
        ("seconds", m => m.Seconds), ("eval_seconds", m => m.EvalSeconds),
    ];

    /// <summary>
    /// The per-stage measures, in results.csv's column order, each with the column prefix it gets there
    /// (cka_layer1, probe_forget_layer1, ...); a map may be null (CKA to Retrain without a Retrain).
    /// </summary>
    public static IReadOnlyList<(string Column, Func<ModelRecord, IReadOnlyDictionary<string, double>?> Of)> StageMeasures { get; } =
    [
        ("cka", m => m.CkaToOriginal), ("cka_retrain", m => m.CkaToRetrain), ("probe_forget", m => m.ProbeForgetAcc),
        ("knn_forget", m => m.KnnForgetAcc), ("knn5_forget", m => m.KnnUuefForgetAcc),
    ];

    /// <summary>Mean CKA to the Original over <paramref name="stages"/> (all stages when null).</summary>
    public double MeanCka(IEnumerable<string>? stages = null) => (stages ?? CkaToOriginal.Keys).Select(s => CkaToOriginal[s]).Average();
}
