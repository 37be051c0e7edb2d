namespace EraseAtCore.Experiments;

/// <summary>
/// Runs a sweep's array tasks and merges their results (the scheduler side is the command line's). Each task is
/// an <see cref="ExperimentRunner"/> run per experiment it has models of, into its own folder, so a task run again
/// reuses every model it finished before (the cache) and never touches another task's.
/// </summary>
public static class SweepRunner
{
    /// <summary>
    /// Runs (or resumes) task <paramref name="index"/> (1-based) of a kind; returns its results, one per experiment. Presets are
    /// found by name with <paramref name="presetNamed"/> (default <see cref="Preset.Get"/>).
    /// </summary>
    public static IReadOnlyList<ResultsDocument> RunTask(string root, SweepPlan plan, SweepTaskKind kind, int index,
        Action<SweepExperiment, RunProgress>? progress = null, Func<string, Preset>? presetNamed = null, CancellationToken cancel = default)
    {
        var task = plan.TaskAt(kind, index);
        if (kind == SweepTaskKind.Shard)
        {
            // A shard unlearns from the base tasks' Originals and measures against their Retrains; without them it would
            // train its own Original into the shared folder, beside other shards doing the same.
            var needed = task.Cells.Select(c => (plan.Experiments[c.Experiment].Preset, c.Seed)).ToHashSet();
            var waiting = Unfinished(root, plan).Where(u => u.Kind == SweepTaskKind.Base && u.Task.Cells.Any(c => needed.Contains((plan.Experiments[c.Experiment].Preset, c.Seed))))
                .Select(u => u.Task.Index).ToList();
            if (waiting.Count > 0)
                throw new ArgumentException($"Shard {index} needs the Originals and Retrains of base task{(waiting.Count == 1 ? "" : "s")} {string.Join(", ", waiting)}, " +
                                            "which have not finished: run those first (the sweep's scripts submit the shards after the bases).");
        }
        var docs = new List<ResultsDocument>();
        foreach (var (experiment, cells) in ByExperiment(plan, task))
        {
            var config = ConfigFor(root, plan, kind, task, experiment, cells, presetNamed);
            docs.Add(ExperimentRunner.Run(config, p => progress?.Invoke(experiment, p), cancel));
        }
        return docs;
    }

    /// <summary>The run of <paramref name="task"/> for one experiment: its cells, its folder, the shared Originals and the base runs' Retrains.</summary>
    public static ExperimentConfig ConfigFor(string root, SweepPlan plan, SweepTaskKind kind, SweepTask task, SweepExperiment experiment, IReadOnlyList<GridCell> cells,
        Func<string, Preset>? presetNamed = null) =>
        plan.Settings.Config((presetNamed ?? Preset.Get)(experiment.Preset), experiment.Forget, plan.TaskFolder(root, kind, task, experiment)) with
        {
            Cells = cells,
            OriginalsFolder = SweepPlan.OriginalsFolder(root, experiment.Preset),
            RetrainFolders = kind == SweepTaskKind.Shard
                ? plan.Bases.Where(b => b.Cells.Any(c => c.Experiment == plan.IndexOf(experiment))).Select(b => plan.TaskFolder(root, SweepTaskKind.Base, b, experiment)).ToList()
                : [],
        };

    /// <summary>Per task, the models it has not finished (no results.json of its folder holds them); finished tasks left out.</summary>
    public static IReadOnlyList<UnfinishedTask> Unfinished(string root, SweepPlan plan)
    {
        var unfinished = new List<UnfinishedTask>();
        foreach (var kind in new[] { SweepTaskKind.Base, SweepTaskKind.Shard })
        foreach (var task in plan.Tasks(kind))
        {
            var missing = new List<SweepCell>();
            foreach (var (experiment, _) in ByExperiment(plan, task))
            {
                var done = Results(plan.TaskFolder(root, kind, task, experiment))?.Models.Select(m => new GridCell(m.Name, m.Seed)).ToHashSet() ?? [];
                missing.AddRange(task.Cells.Where(c => c.Experiment == plan.IndexOf(experiment) && !done.Contains(c.Grid)));
            }
            if (missing.Count > 0) unfinished.Add(new UnfinishedTask(kind, task, missing));
        }
        return unfinished;
    }

    /// <summary>
    /// Merges every experiment's task results into its folder (results.json, results.csv, table.md, report.html). Refuses,
    /// naming the unfinished tasks and their models, while any model has no result, unless <paramref name="allowIncomplete"/>
    /// (then each experiment's results list what is missing, and an experiment with no result at all is left out).
    /// </summary>
    public static IReadOnlyList<(SweepExperiment Experiment, ResultsDocument Merged)> Merge(string root, SweepPlan plan, bool allowIncomplete = false)
    {
        var unfinished = Unfinished(root, plan);
        if (unfinished.Count > 0 && !allowIncomplete)
            throw new ArgumentException($"{DescribeUnfinished(root, plan, unfinished)} Resubmit only those tasks with `erase-core sweep --resume {root} --submit` " +
                                        "(each reuses the models it finished), or merge what is there with --allow-incomplete.");
        var merged = new List<(SweepExperiment, ResultsDocument)>();
        var grid = plan.Settings.Grid;   // every experiment's
        for (int x = 0; x < plan.Experiments.Count; x++)
        {
            var experiment = plan.Experiments[x];
            var docs = new[] { SweepTaskKind.Base, SweepTaskKind.Shard }
                .SelectMany(kind => plan.Tasks(kind).Where(t => t.Cells.Any(c => c.Experiment == x)).Select(t => Results(plan.TaskFolder(root, kind, t, experiment))))
                .OfType<ResultsDocument>().ToList();
            if (docs.Count == 0) continue;
            var doc = ResultsMerge.Merge(docs, grid, allowIncomplete);
            var folder = new RunFolder(SweepPlan.ExperimentFolder(root, experiment));
            Directory.CreateDirectory(folder.Root);
            ExperimentRunner.Write(folder, doc);
            merged.Add((experiment, doc));
        }
        return merged;
    }

    /// <summary>The unfinished tasks and their models, in one sentence.</summary>
    public static string DescribeUnfinished(string root, SweepPlan plan, IReadOnlyList<UnfinishedTask> unfinished)
    {
        // A model whose step file exists was finished before its task stopped (the task's results.json comes at its end).
        string Cell(SweepTaskKind kind, SweepTask task, SweepCell c) =>
            File.Exists(new RunFolder(plan.TaskFolder(root, kind, task, plan.Experiments[c.Experiment])).Step(c.Name, c.Seed)) ? $"{c.Grid} (finished, to be reused)" : c.Grid.ToString();
        var lines = unfinished.Select(u =>
            $"{u.Kind.ToString().ToLowerInvariant()} task {u.Task.Index} of {plan.Tasks(u.Kind).Count}: " +
            string.Join(", ", u.Missing.GroupBy(c => c.Experiment).Select(g => $"{plan.Experiments[g.Key].Folder} {string.Join(", ", g.Select(c => Cell(u.Kind, u.Task, c)))}")));
        int models = unfinished.Sum(u => u.Missing.Count);
        return $"The sweep in {root} is incomplete: {models} model{(models == 1 ? " has" : "s have")} no result, in {string.Join("; ", lines)}.";
    }

    static IEnumerable<(SweepExperiment Experiment, IReadOnlyList<GridCell> Cells)> ByExperiment(SweepPlan plan, SweepTask task) =>
        task.Cells.GroupBy(c => c.Experiment).Select(g => (plan.Experiments[g.Key], (IReadOnlyList<GridCell>)g.Select(c => c.Grid).ToList()));

    static ResultsDocument? Results(string folder) => File.Exists(Path.Combine(folder, "results.json")) ? ResultsMerge.Read(folder) : null;
}
