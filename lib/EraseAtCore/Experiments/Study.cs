using System.Globalization;
using System.Text;
using System.Text.Json;
using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Training;
using static TorchSharp.torch;

namespace EraseAtCore.Experiments;

/// <summary>Settings of a study: several forget requests, each a full seeded experiment, sharing one Original per seed.</summary>
public sealed record StudyConfig
{
    /// <summary>Preset (data, model, Original's recipe).</summary>
    public required Preset Preset { get; init; }
    /// <summary>Output folder: one sub-folder per forget request (its label), the Originals, study.md and study.json.</summary>
    public required string Output { get; init; }
    /// <summary>Seeds; every request runs all of them. Default 0, 1, 2.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [0, 1, 2];
    /// <summary>Forget requests; default the preset's classes and <see cref="Study.DefaultRandomClasses"/> random classes (forget seed 0).</summary>
    public IReadOnlyList<ForgetRequest>? Requests { get; init; }
    /// <summary>Methods; default <see cref="Study.DefaultMethods"/> (what the claims compare).</summary>
    public IReadOnlyList<string>? Methods { get; init; }
    /// <summary>Per-method settings, as for reproduce.</summary>
    public MethodSettings Settings { get; init; } = MethodSettings.None;
    /// <summary>Relearning attack settings; null skips it.</summary>
    public RelearningOptions? Relearning { get; init; } = new();
    /// <summary>Metric settings.</summary>
    public EvaluationOptions Evaluation { get; init; } = new();
    /// <summary>Where to compute.</summary>
    public Device Device { get; init; } = CPU;
    /// <summary>Data search settings.</summary>
    public Data.DataSearch? DataSearch { get; init; }

    /// <summary>The requests in force.</summary>
    public IReadOnlyList<ForgetRequest> RequestsOrDefault => Requests ?? (Preset.Requires is { } needed
        ? throw new ArgumentException($"The {Preset.Name} preset needs {needed}")
        : [Preset.DefaultForgetRequest, ForgetRequest.OfRandomClasses(Study.DefaultRandomClasses, 0)]);
}

/// <summary>
/// The study of issue 15 in one call: for each forget request an <see cref="ExperimentRunner"/> run over the seeds
/// (its own folder, cache, report and claims), the Originals trained once per seed and shared, then study.md and
/// study.json side by side with every request's verdicts.
/// </summary>
public static class Study
{
    /// <summary>Random classes forgotten beside the preset's class (3 of Fashion-MNIST's 10; the paper forgets 10 of 100 and 100 of 1000).</summary>
    public const int DefaultRandomClasses = 3;

    /// <summary>The models the claims need: Retrain, FT, RL, SalUn, SCRUB, EC and EC plugged into RL, SalUn and SCRUB.</summary>
    public static IReadOnlyList<string> DefaultMethods { get; } = ["retrain", "ft", "rl", "salun", "scrub", "ec", "rl+ec", "salun+ec", "scrub+ec"];

    /// <summary>Runs (or resumes) every request; returns their documents in request order.</summary>
    public static IReadOnlyList<ResultsDocument> Run(StudyConfig config, Action<ForgetRequest, RunProgress>? progress = null, CancellationToken cancel = default)
    {
        // The root holds the shared Originals: one study at a time writes there (each request's run also locks its own folder).
        using var running = RunFolderLock.Take(new RunFolder(config.Output));
        var docs = new List<ResultsDocument>();
        foreach (var request in config.RequestsOrDefault)
        {
            var run = new ExperimentConfig
            {
                Preset = config.Preset, Forget = request, Seeds = config.Seeds, Methods = config.Methods ?? DefaultMethods, Settings = config.Settings,
                Output = Path.Combine(config.Output, request.Label), OriginalsFolder = config.Output, Device = config.Device,
                Relearning = config.Relearning, Evaluation = config.Evaluation, DataSearch = config.DataSearch,
            };
            docs.Add(ExperimentRunner.Run(run, p => progress?.Invoke(request, p), cancel));
        }
        AtomicFile.WriteAllText(Path.Combine(config.Output, "study.json"), JsonSerializer.Serialize(new StudyDocument
        {
            Preset = config.Preset.Name, Seeds = config.Seeds, Runs = docs.Select(d => new StudyRun(d.Forget, d.Forget.Label, d.Claims, d.Separation, d.Summary)).ToList(),
        }, RunFolder.Json));
        AtomicFile.WriteAllText(Path.Combine(config.Output, "study.md"), Markdown(config.Preset.Name, docs));
        return docs;
    }

    /// <summary>The study's summary page: per request, the verdicts table, then each request's table and evidence.</summary>
    public static string Markdown(string preset, IReadOnlyList<ResultsDocument> docs)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Study: preset `{preset}`, seeds {string.Join(", ", docs.FirstOrDefault()?.Seeds ?? [])}");
        sb.AppendLine();
        var ids = docs.SelectMany(d => d.Claims.Select(c => c.Id)).Distinct().ToList();
        sb.AppendLine("| claim | " + string.Join(" | ", docs.Select(d => d.Forget.ToString())) + " |");
        sb.AppendLine("|---|" + string.Concat(docs.Select(_ => "---|")));
        foreach (var id in ids)
            sb.AppendLine("| (" + id + ") | " + string.Join(" | ", docs.Select(d => d.Claims.FirstOrDefault(c => c.Id == id)?.Verdict ?? "-")) + " |");
        foreach (var d in docs)
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"## Forgetting {d.Forget} (folder `{d.Forget.Label}/`)");
            sb.AppendLine();
            sb.Append(ResultTables.Markdown(d));
        }
        return sb.ToString();
    }
}

/// <summary>study.json: the verdicts and summary of every request of a study (each request's results.json has the rest).</summary>
public sealed record StudyDocument
{
    /// <summary>Format tag.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("schema")] public string Schema { get; init; } = "erase-core.study/1";
    /// <summary>Preset name.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("preset")] public required string Preset { get; init; }
    /// <summary>Seeds of every request.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("seeds")] public IReadOnlyList<int> Seeds { get; init; } = [];
    /// <summary>One entry per forget request.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("runs")] public IReadOnlyList<StudyRun> Runs { get; init; } = [];
}

/// <summary>One forget request of a study.</summary>
/// <param name="Forget">The request (random classes resolved).</param>
/// <param name="Folder">Its sub-folder (results.json, report.html, table.md).</param>
/// <param name="Claims">Its verdicts.</param>
/// <param name="Separation">Which measures tell Retrain from the Original.</param>
/// <param name="Summary">Mean ± std per model.</param>
public sealed record StudyRun(
    [property: System.Text.Json.Serialization.JsonPropertyName("forget")] ForgetRequest Forget,
    [property: System.Text.Json.Serialization.JsonPropertyName("folder")] string Folder,
    [property: System.Text.Json.Serialization.JsonPropertyName("claims")] IReadOnlyList<ClaimVerdict> Claims,
    [property: System.Text.Json.Serialization.JsonPropertyName("separation")] IReadOnlyList<MetricSeparation> Separation,
    [property: System.Text.Json.Serialization.JsonPropertyName("summary")] IReadOnlyList<SummaryRow> Summary);
