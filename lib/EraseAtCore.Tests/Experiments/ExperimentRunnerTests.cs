using System.Text.Json;
using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;

namespace EraseAtCore.Tests.Experiments;

/// <summary>The runner end to end on a tiny preset: outputs, resuming after a kill, recomputing on a changed setting, shards.</summary>
public sealed class ExperimentRunnerTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "erase-core-tests", "runner-" + Guid.NewGuid().ToString("N")[..8]);

    public ExperimentRunnerTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() { try { Directory.Delete(_root, true); } catch (IOException) { } }

    // 20 training and 10 test images per class, ResNet-18 w=4, one epoch: seconds, not minutes.
    internal static readonly Preset Tiny = Preset.Quick with
    {
        Name = "tiny", TrainPerClass = 20, TestPerClass = 10, Model = new ModelSpec("resnet18", 1, 10, Width: 4),
        Train = new TrainConfig { Epochs = 1, BatchSize = 50, LearningRate = 0.05, Augment = null },
    };

    ExperimentConfig Config(string folder, params string[] methods) => new()
    {
        Preset = Tiny, Methods = methods, Output = Path.Combine(_root, folder), Relearning = new RelearningOptions(Steps: 2, Images: 8),
        ProjectionModels = ["original", "ga"],
    };

    [Fact]
    public void A_run_writes_every_output_in_the_documented_format()
    {
        var config = Config("full", "retrain", "ga");
        var doc = ExperimentRunner.Run(config);
        foreach (var file in new[] { "results.json", "results.csv", "table.md", "report.html" })
            Assert.True(File.Exists(Path.Combine(config.Output, file)), $"{file} missing");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(config.Output, "results.json")));
        var root = json.RootElement;
        Assert.Equal("tiny", root.GetProperty("preset").GetString());
        Assert.Equal("classes", root.GetProperty("forget").GetProperty("kind").GetString());
        Assert.Equal(0, root.GetProperty("seed").GetInt32());
        var models = root.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(["original", "retrain", "ga"], models.Select(m => m.GetProperty("name").GetString()));
        foreach (var m in models)
        {
            foreach (var key in new[] { "ua", "ra", "ta", "forget_test_acc", "mia" })
                Assert.InRange(m.GetProperty(key).GetDouble(), 0, 1);
            Assert.Equal(["layer1", "layer2", "layer3", "layer4"], m.GetProperty("cka_to_original").EnumerateObject().Select(p => p.Name));
            Assert.Equal(4, m.GetProperty("probe_forget_acc").EnumerateObject().Count());
            Assert.Equal(3, m.GetProperty("relearn_forget_acc").GetArrayLength());
            Assert.True(m.GetProperty("seconds").GetDouble() > 0);
        }
        // The Original is its own reference; Retrain never saw class 3.
        Assert.All(doc.Models[0].CkaToOriginal.Values, v => Assert.Equal(1.0, v, 4));
        Assert.True(doc.Models[1].Ua < 0.2, $"Retrain's forget accuracy {doc.Models[1].Ua:P1}");
        Assert.Equal(["original", "ga"], doc.Projections.Select(p => p.Name));
        Assert.Contains("| ga |", File.ReadAllText(Path.Combine(config.Output, "table.md")));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(config.Output, "results.csv")).Length);
        if (OperatingSystem.IsLinux())
        {
            var memory = root.GetProperty("memory_mib");
            Assert.Equal(["original", "retrain", "ga", "peak"], memory.EnumerateObject().Select(p => p.Name));
            Assert.All(memory.EnumerateObject(), p => Assert.InRange(p.Value.GetDouble(), 1, memory.GetProperty("peak").GetDouble()));
        }
    }

    [Fact]
    public void A_killed_run_resumes_without_recomputing_finished_models_and_a_changed_setting_recomputes()
    {
        var config = Config("resume", "retrain", "ga", "rl");
        using (var kill = new CancellationTokenSource())
        {
            // "Kill" the run as soon as it starts unlearning with GA: Original and Retrain are finished by then.
            Assert.ThrowsAny<OperationCanceledException>(() => ExperimentRunner.Run(config, p => { if (p.Model == "ga" && p.Phase == "unlearn") kill.Cancel(); }, kill.Token));
        }
        var folder = new RunFolder(config.Output);
        var stamps = new[] { "original", "retrain" }.ToDictionary(n => n, n => File.GetLastWriteTimeUtc(folder.Checkpoint(n, 0)));
        Assert.False(File.Exists(folder.Step("ga", 0)), "the interrupted model must not be recorded as finished");

        var phases = new List<(string Model, string Phase)>();
        var doc = ExperimentRunner.Run(config, p => phases.Add((p.Model, p.Phase)));
        Assert.Contains(("original", "cached"), phases);
        Assert.Contains(("retrain", "cached"), phases);
        Assert.DoesNotContain(phases, p => p.Model is "original" or "retrain" && p.Phase is "train" or "unlearn" or "evaluate");
        Assert.Contains(("ga", "unlearn"), phases);
        foreach (var (name, stamp) in stamps) Assert.Equal(stamp, File.GetLastWriteTimeUtc(folder.Checkpoint(name, 0)));
        Assert.Equal(["original", "retrain", "ga", "rl"], doc.Models.Select(m => m.Name));

        // Same settings again: everything cached, same numbers.
        phases.Clear();
        var again = ExperimentRunner.Run(config, p => phases.Add((p.Model, p.Phase)));
        Assert.All(new[] { "original", "retrain", "ga", "rl" }, n => Assert.Contains((n, "cached"), phases));
        Assert.Equal(doc.Models.Select(m => m.Ua), again.Models.Select(m => m.Ua));

        // A smaller run (as a notebook makes) with its own results folder: models from the cache, the full
        // results.json left as it was, the smaller one written beside it.
        string full = File.ReadAllText(Path.Combine(config.Output, "results.json"));
        string mine = Path.Combine(config.Output, "notebooks");
        phases.Clear();
        var subset = ExperimentRunner.Run(config with { Methods = ["ga"], ResultsFolder = mine }, p => phases.Add((p.Model, p.Phase)));
        Assert.All(new[] { "original", "ga" }, n => Assert.Contains((n, "cached"), phases));
        Assert.Equal(["original", "ga"], subset.Models.Select(m => m.Name));
        Assert.Equal(full, File.ReadAllText(Path.Combine(config.Output, "results.json")));
        Assert.All(new[] { "results.json", "results.csv", "table.md", "report.html" }, f => Assert.True(File.Exists(Path.Combine(mine, f)), $"{f} missing in {mine}"));

        // A changed Original recipe recomputes the Original and everything unlearned from it.
        phases.Clear();
        ExperimentRunner.Run(config with { Preset = Tiny with { Train = Tiny.Train with { LearningRate = 0.04 } } }, p => phases.Add((p.Model, p.Phase)));
        Assert.DoesNotContain(phases, p => p.Phase == "cached");
    }

    [Fact]
    public void Shards_cover_the_grid_and_merge_into_the_full_result()
    {
        var a = ExperimentRunner.Run(Config("shard1", "retrain", "ga") with { Shard = Shard.Parse("1/2") });
        var b = ExperimentRunner.Run(Config("shard2", "retrain", "ga") with { Shard = Shard.Parse("2/2") });
        // Grid original (its evaluation: cost 0, every shard trains it), retrain (6), ga (1.5), dealt by cost: retrain to
        // shard 1, then ga and the Original to the lighter shard 2.
        Assert.Equal(["retrain"], a.Models.Select(m => m.Name));
        Assert.Equal(["original", "ga"], b.Models.Select(m => m.Name));
        var merged = ResultsMerge.Merge([ResultsMerge.Read(Path.Combine(_root, "shard1")), ResultsMerge.Read(Path.Combine(_root, "shard2"))]);
        Assert.Equal(["original", "retrain", "ga"], merged.Models.Select(m => m.Name));
        Assert.Equal(3, merged.Summary.Count);
        Assert.Empty(merged.Missing);
        // One shard alone is an incomplete grid: refused, naming what is missing, unless asked to merge what is there.
        var alone = Assert.Throws<IncompleteGridException>(() => ResultsMerge.Merge([ResultsMerge.Read(Path.Combine(_root, "shard1"))]));
        Assert.Equal(["original (seed 0)", "ga (seed 0)"], alone.Missing.Select(c => c.ToString()));
        Assert.Contains("--allow-incomplete", alone.Message);
        var partial = ResultsMerge.Merge([ResultsMerge.Read(Path.Combine(_root, "shard1"))], allowIncomplete: true);
        Assert.Equal(2, partial.Missing.Count);
        Assert.Contains("Incomplete grid", ResultTables.Markdown(partial));
        Assert.Throws<ArgumentException>(() => Shard.Parse("3/2"));
        Assert.Throws<ArgumentException>(() => ResultsMerge.Read(Path.Combine(_root, "nowhere")));
    }

    [Fact]
    public void Variants_and_per_method_options_are_part_of_each_models_cache_key()
    {
        var config = Config("variants", "ga", "ga:lr=0.002") with { Relearning = null };
        var doc = ExperimentRunner.Run(config);
        Assert.Equal(["original", "ga", "ga:lr=0.002"], doc.Models.Select(m => m.Name));
        Assert.All(doc.Models.Skip(1), m => Assert.Equal("ga", m.Method));
        Assert.Equal(0.002, doc.Models[2].Config!.LearningRate);
        Assert.True(File.Exists(new RunFolder(config.Output).Checkpoint("ga:lr=0.002", 0)));
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(config.Output, "results.json"))))
        {
            Assert.Equal(5, json.RootElement.GetProperty("claims").GetArrayLength());
            Assert.Equal(4, json.RootElement.GetProperty("models")[1].GetProperty("knn5_forget_acc").EnumerateObject().Count());
        }

        // ga.lr changes ga; the variant's inline lr wins over it, so the variant stays cached.
        var phases = new List<(string Model, string Phase)>();
        var changed = ExperimentRunner.Run(config with { Settings = MethodSettings.Parse(["ga.lr=0.003"]) }, p => phases.Add((p.Model, p.Phase)));
        Assert.Contains(("ga", "unlearn"), phases);
        Assert.DoesNotContain(("ga:lr=0.002", "unlearn"), phases);
        Assert.Equal(0.003, changed.Models[1].Config!.LearningRate);
        // A method knob (GA has none; NegGrad+ has retain-weight) is part of the key too.
        var record = ExperimentRunner.Run(config with { Methods = ["neggrad+"], Settings = MethodSettings.Parse(["neggrad+.retain-weight=0.5"]) }).Models[1];
        Assert.Equal("0.5", record.Options!["retain-weight"]);
        // The record (and the cache key) carry the method's resolved settings, defaults included, not only the knobs given.
        Assert.Contains("\"RetainWeight\":0.5", JsonSerializer.Serialize(record.Settings));
        var ec = ExperimentRunner.Run(config with { Methods = ["ec:steps=2"] }).Models[1];
        Assert.Contains("\"TrainHeads\":false", JsonSerializer.Serialize(ec.Settings));
        phases.Clear();
        ExperimentRunner.Run(config with { Methods = ["neggrad+"], Settings = MethodSettings.Parse(["neggrad+.retain-weight=0.7"]) }, p => phases.Add((p.Model, p.Phase)));
        Assert.Contains(("neggrad+", "unlearn"), phases);
    }

    [Fact]
    public void Another_forget_request_in_the_same_folder_unlearns_again_and_a_class_list_file_is_recorded()
    {
        Directory.CreateDirectory(_root);
        string list = Path.Combine(_root, "top.txt");
        File.WriteAllText(list, "# the classes to forget\nBag\n7  # by index\n");
        var config = Config("requests", "ga") with { Relearning = null, Forget = ForgetRequest.OfClassList(list) };
        var doc = ExperimentRunner.Run(config);
        Assert.Equal(ForgetKind.ClassList, doc.Forget.Kind);
        Assert.Equal([7, 8], doc.Forget.Classes);   // Fashion-MNIST: 7 Sneaker, 8 Bag
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(config.Output, "results.json"))))
        {
            var forget = json.RootElement.GetProperty("forget");
            Assert.Equal(list, forget.GetProperty("list_file").GetString());
            Assert.Equal(["Bag", "7"], forget.GetProperty("list_entries").EnumerateArray().Select(e => e.GetString()));
        }
        Assert.Equal([7, 8], Checkpoint.ReadInfo(new RunFolder(config.Output).Checkpoint("ga", 0)).Split!.Classes);

        // The same folder with another request: the Original is reused, the unlearned model is not.
        var phases = new List<(string Model, string Phase)>();
        var other = ExperimentRunner.Run(config with { Forget = ForgetRequest.OfClasses(2) }, p => phases.Add((p.Model, p.Phase)));
        Assert.Contains(("ga", "unlearn"), phases);
        Assert.DoesNotContain(("original", "train"), phases);
        Assert.Equal([2], Checkpoint.ReadInfo(new RunFolder(config.Output).Checkpoint("ga", 0)).Split!.Classes);
        Assert.Equal([2], other.Forget.Classes);
    }

    [Fact]
    public void Shared_EC_modules_are_trained_once_per_Original_and_reused_by_every_EC_model_and_request()
    {
        var config = Config("ec-modules", "ec", "rl+ec") with
        {
            Relearning = null, Settings = MethodSettings.Parse(["all.steps=2", "ec.modules=shared", "rl+ec.modules=shared"]),
        };
        var phases = new List<(string Model, string Phase)>();
        var doc = ExperimentRunner.Run(config, p => phases.Add((p.Model, p.Phase)));
        Assert.Single(phases, p => p.Phase == "ec-modules");
        Assert.True(File.Exists(Path.Combine(config.Output, "models", "seed0", "ec_modules_layer1-layer2-layer3_d64.ecm")));
        Assert.Equal("shared", doc.Models.Single(m => m.Name == "rl+ec").Options!["modules"]);

        phases.Clear();
        ExperimentRunner.Run(config with { Forget = ForgetRequest.OfClasses(5) }, p => phases.Add((p.Model, p.Phase)));
        Assert.DoesNotContain(phases, p => p.Phase == "ec-modules");
        Assert.Contains(("ec", "unlearn"), phases);
    }

    [Fact]
    public void A_shard_holding_only_the_Original_writes_its_report_and_an_empty_shard_is_refused_before_work()
    {
        // ga (1.5) goes to shard 1, the Original's evaluation (0) to the lighter shard 2.
        var config = Config("only-original", "ga") with { Shard = Shard.Parse("2/2"), Relearning = null };
        var doc = ExperimentRunner.Run(config);
        Assert.Equal(["original"], doc.Models.Select(m => m.Name));
        Assert.True(File.Exists(Path.Combine(config.Output, "report.html")));
        var empty = Assert.Throws<ArgumentException>(() => ExperimentRunner.Run(Config("empty-shard", "ga") with { Shard = Shard.Parse("3/3") }));
        Assert.Contains("use at most 2 shards", empty.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "empty-shard", "models")));
    }

    [Fact]
    public void A_diverged_run_is_recorded_as_such_saves_no_model_and_stays_out_of_tables_and_verdicts()
    {
        // GA at lr 1e6 explodes on its first step: the guard keeps nothing, so the weights would be the Original's.
        var config = Config("diverged", "ga", "rl") with { Relearning = null, Settings = MethodSettings.Parse(["ga.lr=1000000"]) };
        var doc = ExperimentRunner.Run(config);
        var ga = doc.Models.Single(m => m.Name == "ga");
        Assert.Equal("diverged", ga.Status);
        Assert.False(ga.IsResult);
        Assert.NotNull(ga.StopReason);
        Assert.True(double.IsNaN(ga.Ua));
        Assert.Equal("completed", doc.Models.Single(m => m.Name == "rl").Status);
        var folder = new RunFolder(config.Output);
        Assert.False(File.Exists(folder.Checkpoint("ga", 0)), "a diverged run saved a model under the method's name");
        Assert.DoesNotContain(doc.Summary, r => r.Name == "ga");
        string table = File.ReadAllText(Path.Combine(config.Output, "table.md"));
        Assert.DoesNotContain("| ga |", table);
        Assert.Contains("ga (seed 0) diverged", table);
        Assert.Contains(",diverged", File.ReadAllText(Path.Combine(config.Output, "results.csv")));
        // Its record is cached like any result: a rerun does not unlearn again.
        var phases = new List<(string Model, string Phase)>();
        ExperimentRunner.Run(config, p => phases.Add((p.Model, p.Phase)));
        Assert.DoesNotContain(("ga", "unlearn"), phases);
    }

    [Fact]
    public void A_record_measured_without_Retrain_is_measured_again_once_a_Retrain_is_there_and_its_model_is_reused()
    {
        var without = ExperimentRunner.Run(Config("retrain-later", "ga") with { Relearning = null });
        Assert.Null(without.Models.Single(m => m.Name == "ga").CkaToRetrain);
        var phases = new List<(string Model, string Phase)>();
        var with = ExperimentRunner.Run(Config("retrain-later", "retrain", "ga") with { Relearning = null }, p => phases.Add((p.Model, p.Phase)));
        // The step key names the Retrain its CKA to Retrain was measured against: ga is evaluated again, not unlearned again.
        Assert.NotNull(with.Models.Single(m => m.Name == "ga").CkaToRetrain);
        Assert.Contains(("ga", "evaluate"), phases);
        Assert.DoesNotContain(("ga", "unlearn"), phases);
    }

    [Fact]
    public void A_second_run_into_the_same_folder_is_refused_while_the_first_holds_it()
    {
        var folder = new RunFolder(Path.Combine(_root, "locked"));
        using (RunFolderLock.Take(folder))
        {
            var busy = Assert.Throws<RunFolderBusyException>(() => ExperimentRunner.Run(Config("locked", "ga")));
            Assert.Contains($"pid {Environment.ProcessId}", busy.Message);
            Assert.False(Directory.Exists(Path.Combine(folder.Root, "models")), "the refused run wrote into the folder");
        }
        using (RunFolderLock.Take(folder)) { }   // released: taken again
    }

    [Fact]
    public void A_models_cache_key_is_inside_its_checkpoint_so_the_model_counts_as_finished_when_its_file_exists()
    {
        var config = Config("durable", "ga") with { Relearning = null };
        ExperimentRunner.Run(config);
        var folder = new RunFolder(config.Output);
        foreach (var name in new[] { "original", "ga" })
        {
            Assert.NotNull(Checkpoint.ReadInfo(folder.Checkpoint(name, 0)).CacheKey);
            Assert.False(File.Exists(folder.Checkpoint(name, 0) + ".key"));
        }
        // A truncated checkpoint is never taken as finished: it is made again.
        var bytes = File.ReadAllBytes(folder.Checkpoint("ga", 0));
        File.WriteAllBytes(folder.Checkpoint("ga", 0), bytes[..(bytes.Length / 2)]);
        File.Delete(folder.Step("ga", 0));
        var phases = new List<(string Model, string Phase)>();
        ExperimentRunner.Run(config, p => phases.Add((p.Model, p.Phase)));
        Assert.Contains(("ga", "unlearn"), phases);
        Assert.DoesNotContain(("original", "train"), phases);
    }

    [Fact]
    public void A_kill_during_evaluation_evaluates_the_finished_model_instead_of_training_it_again()
    {
        var config = Config("kill-eval", "ga") with { Relearning = null };
        using (var kill = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() => ExperimentRunner.Run(config, p => { if (p.Model == "ga" && p.Phase == "evaluate") kill.Cancel(); }, kill.Token));
        var folder = new RunFolder(config.Output);
        Assert.True(File.Exists(folder.Checkpoint("ga", 0)));
        Assert.False(File.Exists(folder.Step("ga", 0)));
        var stamp = File.GetLastWriteTimeUtc(folder.Checkpoint("ga", 0));
        var phases = new List<(string Model, string Phase)>();
        ExperimentRunner.Run(config, p => phases.Add((p.Model, p.Phase)));
        Assert.DoesNotContain(("ga", "unlearn"), phases);
        Assert.Contains(("ga", "evaluate"), phases);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(folder.Checkpoint("ga", 0)));
    }

    [Fact]
    public void A_study_runs_each_forget_request_on_one_shared_Original_per_seed_and_writes_the_verdicts()
    {
        var output = Path.Combine(_root, "study");
        var requests = new[] { ForgetRequest.OfClasses(3), ForgetRequest.OfRandomClasses(2, seed: 1) };
        var trained = new List<string>();
        var docs = Study.Run(new StudyConfig { Preset = Tiny, Output = output, Seeds = [0], Requests = requests, Methods = ["retrain", "ga"], Relearning = null },
            (r, p) => { if (p.Model == "original" && p.Phase == "train") trained.Add(r.Label); });
        Assert.Equal(["class-3"], trained.Distinct());
        Assert.Equal(2, docs.Count);
        Assert.Equal(2, docs[1].Forget.Classes.Count);
        Assert.True(File.Exists(Path.Combine(output, "models", "seed0", "original.ckpt")));
        Assert.False(File.Exists(Path.Combine(output, "class-3", "models", "seed0", "original.ckpt")), "the Original lives once, in the study folder");
        foreach (var f in new[] { "study.md", "study.json", "class-3/results.json", "random-2-seed1/report.html" })
            Assert.True(File.Exists(Path.Combine(output, f)), $"{f} missing");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "study.json")));
        Assert.Equal(2, json.RootElement.GetProperty("runs").GetArrayLength());
        Assert.Contains("| (b) |", File.ReadAllText(Path.Combine(output, "study.md")));
    }
}
