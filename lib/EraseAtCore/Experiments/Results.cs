using System.Text.Json.Serialization;
using EraseAtCore.Data;

namespace EraseAtCore.Experiments;

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
    /// <summary>Which slice of the method x seed grid this run covered ("1/1" for all, "sweep" for a sweep's task, "merged N" after a merge).</summary>
    [JsonPropertyName("shard")] public string Shard { get; init; } = "1/1";
    /// <summary>Every model of the whole experiment (all shards'), so a merge knows when one is missing; empty in files written before 0.2.0.</summary>
    [JsonPropertyName("grid")] public IReadOnlyList<GridCell> Grid { get; init; } = [];
    /// <summary>Models of <see cref="Grid"/> without a result: empty, except in a merge told to accept an incomplete grid.</summary>
    [JsonPropertyName("missing")] public IReadOnlyList<GridCell> Missing { get; init; } = [];
    /// <summary>
    /// Resident memory of the run's process in MiB: after each model (key: the model's name, "name@seed" for later
    /// seeds; cached models included) and "peak" (VmHWM at the end). Linux only (empty elsewhere); merged runs keep
    /// the largest value per key. Shows whether memory grows from method to method.
    /// </summary>
    [JsonPropertyName("memory_mib")] public IReadOnlyDictionary<string, double> MemoryMiB { get; init; } = new Dictionary<string, double>();
}
