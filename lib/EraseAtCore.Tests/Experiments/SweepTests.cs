using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Runtime;

namespace EraseAtCore.Tests.Experiments;

/// <summary>
/// A sweep without a scheduler: the plan's tasks cover the grid once, run one after another they give the unsharded run's
/// results, every shard measures CKA to Retrain, and a merge refuses while a task is unfinished.
/// </summary>
public sealed class SweepTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "erase-core-tests", "sweep-" + Guid.NewGuid().ToString("N")[..8]);

    public SweepTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() { try { Directory.Delete(_root, true); } catch (IOException) { } }

    static Preset Named(string name) => name == "tiny" ? ExperimentRunnerTests.Tiny : Preset.Get(name);

    static readonly ExperimentSettings Settings = new() { Seeds = [0, 1], Methods = ["retrain", "ga", "rl", "ft"], RelearnSteps = 2, Device = "cpu" };

    [Fact]
    public void The_plan_has_a_base_task_per_preset_and_seed_and_deals_every_other_model_once()
    {
        var plan = SweepPlan.Make(Settings, ["quick", "full"], [ForgetRequest.OfClasses(3), ForgetRequest.OfRandomClasses(2, 1)], shards: 3);
        Assert.Equal(["quick/class-3", "quick/random-2-seed1", "full/class-3", "full/random-2-seed1"], plan.Experiments.Select(e => e.Folder));
        Assert.Equal(4, plan.Bases.Count);   // 2 presets x 2 seeds
        foreach (var task in plan.Bases)
        {
            Assert.Single(task.Cells.Select(c => c.Seed).Distinct());
            Assert.Single(task.Cells.Select(c => plan.Experiments[c.Experiment].Preset).Distinct());
            Assert.Equal(4, task.Cells.Count);   // original and retrain of each of the preset's 2 requests
        }
        var dealt = plan.Shards.SelectMany(s => s.Cells).Select(c => (c.Experiment, c.Name, c.Seed)).ToList();
        var expected = Enumerable.Range(0, 4).SelectMany(x => new[] { 0, 1 }.SelectMany(seed => new[] { "ga", "rl", "ft" }.Select(m => (x, m, seed)))).ToList();
        Assert.Equal(expected.Order(), dealt.Order());
        Assert.True(plan.Shards.Max(s => s.Cost) - plan.Shards.Min(s => s.Cost) <= MethodCatalog.Cost("ft"));

        plan.Write(_root);
        var read = SweepPlan.Read(_root);
        Assert.Equal(plan.Shards.SelectMany(s => s.Cells), read.Shards.SelectMany(s => s.Cells));
        Assert.Equal(plan.Settings.Methods, read.Settings.Methods);
    }

    [Fact]
    public void A_plan_that_cannot_be_dealt_or_read_says_why()
    {
        Assert.Contains("use 1 to 6 shards", Assert.Throws<ArgumentException>(() => SweepPlan.Make(Settings, ["quick"], [], shards: 7)).Message);
        Assert.Contains("add --methods", Assert.Throws<ArgumentException>(() => SweepPlan.Make(Settings with { Methods = ["retrain"] }, ["quick"], [])).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => SweepPlan.Make(Settings, ["quick", "quick"], [])).Message);
        Assert.Equal(4, SweepPlan.Make(Settings, ["quick"], []).Shards.Count);   // the default, 6 models to deal
        // One file cannot serve several experiments; shared EC modules would be trained by shards at once, however asked for.
        Assert.Contains("--retrain gives one oracle", Assert.Throws<ArgumentException>(() =>
            SweepPlan.Make(Settings with { RetrainFile = "r.ckpt" }, ["quick"], [ForgetRequest.OfClasses(3), ForgetRequest.OfClasses(4)])).Message);
        Assert.Contains("--original gives one Original", Assert.Throws<ArgumentException>(() =>
            SweepPlan.Make(Settings with { OriginalFile = "o.ckpt" }, ["quick", "full"], [])).Message);
        foreach (var shared in new[] { Settings with { EcModules = "shared", Methods = ["ec"] }, Settings with { Options = ["rl+ec.modules=shared"], Methods = ["rl+ec"] },
                                       Settings with { Methods = ["ec:modules=shared"] } })
            Assert.Contains("'shared'", Assert.Throws<ArgumentException>(() => SweepPlan.Make(shared, ["quick"], [])).Message);
        Assert.Contains("No sweep.json", Assert.Throws<ArgumentException>(() => SweepPlan.Read(_root)).Message);
        SweepPlan.Make(Settings, ["quick"], []) .Write(_root);
        string file = Path.Combine(_root, SweepPlan.FileName);
        File.WriteAllText(file, File.ReadAllText(file).Replace($"\"{EraseAtCore.Training.Checkpoint.LibraryVersion}\"", "\"0.1.0\""));
        Assert.Contains("planned by erase-core 0.1.0", Assert.Throws<ArgumentException>(() => SweepPlan.Read(_root)).Message);
    }

    [Fact]
    public void The_tasks_run_one_by_one_give_the_unsharded_runs_results_and_a_merge_waits_for_all()
    {
        var plan = SweepPlan.Make(Settings, ["tiny"], [], shards: 2, presetNamed: Named);
        string sweep = Path.Combine(_root, "sweep");
        plan.Write(sweep);
        foreach (var task in plan.Bases) SweepRunner.RunTask(sweep, plan, SweepTaskKind.Base, task.Index, presetNamed: Named);
        SweepRunner.RunTask(sweep, plan, SweepTaskKind.Shard, 1, presetNamed: Named);

        // Shard 2 has not run: the merge names it and its models, and merges nothing unless told to.
        var unfinished = SweepRunner.Unfinished(sweep, plan);
        Assert.Equal([(SweepTaskKind.Shard, 2)], unfinished.Select(u => (u.Kind, u.Task.Index)));
        var refused = Assert.Throws<ArgumentException>(() => SweepRunner.Merge(sweep, plan));
        Assert.Contains("shard task 2 of 2", refused.Message);
        Assert.Contains(plan.Shards[1].Cells[0].Grid.ToString(), refused.Message);
        Assert.False(File.Exists(Path.Combine(sweep, "tiny", "class-3", "results.json")));
        var partial = Assert.Single(SweepRunner.Merge(sweep, plan, allowIncomplete: true)).Merged;
        Assert.Equal(plan.Shards[1].Cells.Select(c => c.Grid).Order(Comparer<GridCell>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()))),
                     partial.Missing.Order(Comparer<GridCell>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()))));

        // Shard 1 again: every model from its cache, nothing made again.
        var phases = new List<string>();
        SweepRunner.RunTask(sweep, plan, SweepTaskKind.Shard, 1, (_, p) => phases.Add(p.Phase), Named);
        Assert.DoesNotContain(phases, p => p is "train" or "unlearn" or "evaluate");

        SweepRunner.RunTask(sweep, plan, SweepTaskKind.Shard, 2, presetNamed: Named);
        Assert.Empty(SweepRunner.Unfinished(sweep, plan));
        var merged = Assert.Single(SweepRunner.Merge(sweep, plan)).Merged;
        Assert.Empty(merged.Missing);

        var whole = ExperimentRunner.Run(Settings.Config(ExperimentRunnerTests.Tiny, null, Path.Combine(_root, "unsharded")));
        Assert.Equal(Measures(whole), Measures(merged));
        // The shards read the base tasks' Retrain: every unlearned model has its CKA to Retrain, as in the unsharded run.
        Assert.All(merged.Models.Where(m => m.Name is not "original"), m => Assert.NotNull(m.CkaToRetrain));
        Assert.Equal(whole.Claims.Select(c => c.Verdict), merged.Claims.Select(c => c.Verdict));
    }

    // Every model's record as JSON without its timings, by (name, seed).
    static IReadOnlyDictionary<string, string> Measures(ResultsDocument doc) => doc.Models.ToDictionary(m => $"{m.Name}@{m.Seed}",
        m => System.Text.Json.JsonSerializer.Serialize(m with { Seconds = 0, EvalSeconds = 0 }, RunFolder.Json));
}
