using System.Diagnostics;
using System.Text.Json;
using EraseAtCore.Data;
using EraseAtCore.Runtime;
using EraseAtCore.Training;

namespace EraseAtCore.Experiments;

/// <summary>
/// The experiment of the paper, end to end: per seed, the Original, Retrain, every baseline, EC and each X+EC,
/// each evaluated with every metric (and the relearning attack); then results.json, results.csv, table.md and
/// report.html. Every finished model is cached in the output folder, so an interrupted run continues where it
/// stopped and a changed setting recomputes only what depends on it.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>Runs (or resumes) the experiment; returns the results document it wrote.</summary>
    public static ResultsDocument Run(ExperimentConfig config, Action<RunProgress>? progress = null, CancellationToken cancel = default)
    {
        // A shard runs its items of the grid plus the Original it needs.
        var mine = config.ItemsToRun();
        var folder = new RunFolder(config.Output);
        using var running = RunFolderLock.Take(folder);
        folder.RemoveLeftovers();
        var clock = Stopwatch.StartNew();
        var preset = config.Preset;
        var data = preset.LoadData(config.DataSearch);
        var forget = config.ForgetOrDefault.Resolve(data);
        var split = forget.Apply(data);
        var spec = preset.ModelFor(data);
        double totalCost = mine.Sum(g => MethodCatalog.Cost(g.Name));
        double doneCost = 0;
        var records = new List<ModelRecord>();
        var projections = new List<ProjectionRecord>();
        var timings = new Dictionary<string, double>();
        var memory = new Dictionary<string, double>();
        void NoteMemory(string key, double mib) { if (double.IsFinite(mib)) memory[key] = Math.Round(mib, 1); }
        string[] stages = [];
        int index = 0;
        foreach (var seed in config.Seeds)
        {
            var items = mine.Where(g => g.Seed == seed).Select(g => g.Name).ToList();
            if (items.Count == 0) continue;
            var context = new SeedContext(config, folder, split, spec, seed);
            try
            {
                foreach (var name in items)
                {
                    cancel.ThrowIfCancellationRequested();
                    index++;
                    int position = index;
                    double cost = MethodCatalog.Cost(name), before = doneCost;
                    void Report(string phase, double inner, string detail) =>
                        progress?.Invoke(new RunProgress(name, seed, phase, position, mine.Count, Math.Min(1, (before + cost * inner) / totalCost), detail, clock.Elapsed));
                    var (record, projection) = context.Produce(name, Report, cancel);
                    stages = context.Stages;
                    records.Add(record);
                    if (projection is not null) projections.Add(projection);
                    timings[name] = timings.GetValueOrDefault(name) + record.Seconds;
                    timings["evaluation"] = timings.GetValueOrDefault("evaluation") + record.EvalSeconds;
                    ProcessMemory.ReturnFreedMemory();
                    NoteMemory(seed == config.Seeds[0] ? name : $"{name}@{seed}", ProcessMemory.ResidentMiB());
                    doneCost += cost;
                }
            }
            finally { context.Dispose(); }
        }
        progress?.Invoke(new RunProgress("report", 0, "report", mine.Count, mine.Count, 1, "writing results", clock.Elapsed));
        var reportClock = Stopwatch.StartNew();
        var doc = Document(config, data, forget, stages, records, projections, timings);
        var results = config.ResultsFolder is { } r ? new RunFolder(r) : folder;
        Directory.CreateDirectory(results.Root);
        Write(results, doc);
        timings["report"] = reportClock.Elapsed.TotalSeconds;
        timings["total_wall"] = clock.Elapsed.TotalSeconds;
        NoteMemory("peak", ProcessMemory.PeakResidentMiB());
        doc = doc with { Timings = timings, MemoryMiB = memory };
        Write(results, doc);
        return doc;
    }

    /// <summary>Writes results.json, results.csv, table.md and report.html (each atomically).</summary>
    public static void Write(RunFolder folder, ResultsDocument doc)
    {
        AtomicFile.WriteAllText(folder.File("results.json"), JsonSerializer.Serialize(doc, RunFolder.Json));
        AtomicFile.WriteAllText(folder.File("results.csv"), ResultTables.Csv(doc));
        AtomicFile.WriteAllText(folder.File("table.md"), ResultTables.Markdown(doc));
        AtomicFile.WriteAllText(folder.File("report.html"), ReportBuilder.Build(doc));
    }

    /// <summary>The document of a set of records (summary rows in table order).</summary>
    public static ResultsDocument Document(ExperimentConfig config, Dataset data, ForgetRequest forget, IReadOnlyList<string> stages,
        IReadOnlyList<ModelRecord> records, IReadOnlyList<ProjectionRecord> projections, IReadOnlyDictionary<string, double> timings)
    {
        var order = config.ModelNames.ToList();
        var sorted = records.OrderBy(r => order.IndexOf(r.Name) is var i && i < 0 ? int.MaxValue : i).ThenBy(r => r.Seed).ToList();
        return new ResultsDocument
        {
            Preset = config.Preset.Name, Forget = forget, Seed = config.Seeds[0], Seeds = config.Seeds, Stages = stages,
            ClassNames = data.ClassNames, Models = sorted, Summary = ResultTables.Summarise(sorted, stages), Projections = projections,
            Claims = stages.Count > 0 ? Claims.Judge(sorted, stages) : [], Separation = stages.Count > 0 ? Claims.Separation(sorted, stages) : [],
            Timings = new Dictionary<string, double>(timings), Shard = config.Cells is null ? config.Shard.ToString() : "sweep", Grid = config.Grid,
            Config = new Dictionary<string, object?>
            {
                ["preset"] = config.Preset.Description, ["model"] = config.Preset.ModelFor(data).Describe(), ["train"] = config.Preset.Train,
                ["train_images"] = data.Train.Count, ["test_images"] = data.Test.Count, ["dataset"] = data.Name,
                ["methods"] = order.Where(n => n is not "original" and not "retrain").ToDictionary(n => n, n => (object)config.EffectiveSettings.Resolve(n, config.Seeds[0])),
                ["options"] = config.EffectiveSettings.Items,
                ["original_file"] = config.OriginalFile,
                ["retrain_file"] = config.RetrainFile,
                ["relearning"] = config.Relearning, ["evaluation"] = config.Evaluation,
            },
            Versions = new Dictionary<string, string>
            {
                ["erase_core"] = Checkpoint.LibraryVersion, ["runtime"] = TorchRuntime.Describe(), ["cpu_kernels"] = CpuKernelGuard.Verdict.Explain(), ["dotnet"] = Environment.Version.ToString(),
                ["device"] = config.Device.ToString(), ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            },
        };
    }
}
