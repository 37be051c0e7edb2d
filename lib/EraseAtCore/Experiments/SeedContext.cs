using System.Diagnostics;
using EraseAtCore.Data;
using EraseAtCore.Ec;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;
using TorchSharp;

namespace EraseAtCore.Experiments;

/// <summary>One seed's Original, Retrain features and split; produces (or loads) each model's record.</summary>
internal sealed class SeedContext(ExperimentConfig config, RunFolder folder, ForgetSplit split, ModelSpec spec, int seed) : IDisposable
{
    readonly Preset _preset = config.Preset with { Train = config.Preset.Train with { Seed = seed } };
    readonly StepKeys _keys = new(config, split.Data, split, spec, seed);
    StagedModel? _original;
    string? _originalKey;
    StageFeatures? _originalTest, _retrainTest;
    string? _retrainKey;   // model key of the Retrain whose features _retrainTest holds

    public string[] Stages { get; private set; } = [];

    public (ModelRecord Record, ProjectionRecord? Projection) Produce(string name, Action<string, double, string> report, CancellationToken cancel)
    {
        var original = EnsureOriginal(report, cancel);
        if (name == "original") return MeasureOriginal(report, cancel);
        var resolved = config.EffectiveSettings.Resolve(name, seed);
        var methodConfig = resolved.Config;
        // modules=shared: EC modules trained once for this Original (cached beside it), reused by every EC model and request.
        var knobs = resolved.Options;
        string? modulesKey = null;
        if (knobs.TryGetValue("modules", out var modules) && modules == "shared")
        {
            (string path, modulesKey) = EnsureEcModules(EcOptions.Read(new MethodOptions(knobs)), report);
            knobs = new SortedDictionary<string, string>(knobs.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal) { ["modules"] = path };
        }
        else if (modules is not null) modulesKey = ModelFile.Fingerprint(modules);   // a file given by path: its content, not its name
        var method = MethodCatalog.Create(resolved.Method, _preset.Train, new MethodOptions(knobs));
        string? retrainFile = name == "retrain" ? config.RetrainFile : null;
        string modelKey = _keys.Model(_originalKey!, resolved, method.Settings, modulesKey, retrainFile is null ? null : RetrainFingerprint.Value);
        string key = _keys.Step(name, modelKey, _retrainKey);
        if (folder.TryLoadStep(name, seed, key, modelKey) is { } cached)
        {
            report("cached", 1, "reused from the cache");
            if (name == "retrain" && _retrainTest is null) LoadRetrainFeatures();
            return (cached.Record, cached.Projection);
        }
        StagedModel model;
        double seconds;
        string? stopReason = null;
        string status = UnlearnOutcome.Completed;
        if (folder.HasModel(name, seed, modelKey))
        {
            // Trained before an interruption (or before an evaluation setting changed): evaluate it, do not train it again.
            report("cached", 0.8, "model reused from the cache; evaluating");
            var loaded = Checkpoint.Load(folder.Checkpoint(name, seed), spec);
            model = loaded.Model;
            model.to(config.Device);
            model.eval();
            seconds = loaded.Info.Metrics.GetValueOrDefault("seconds");
            stopReason = loaded.Info.StopReason;
            if (stopReason is not null) status = UnlearnOutcome.StoppedEarly;   // a diverged run never saves a model
        }
        else if (retrainFile is not null)
        {
            report("import", 0.5, $"reading {Path.GetFileName(retrainFile)}");
            model = ModelFile.Load(retrainFile, spec);
            model.to(config.Device);
            seconds = 0;
            Checkpoint.Save(folder.Checkpoint(name, seed), model, CheckpointInfo(name, seed, modelKey) with { Metrics = new Dictionary<string, double>() });
        }
        else
        {
            var result = method.Unlearn(new UnlearnContext(original, split, _preset.FeedOn(config.Device), methodConfig,
                p => { cancel.ThrowIfCancellationRequested(); report(name == "retrain" ? "train" : "unlearn", 0.8 * p.Fraction, Describe(p)); }));
            model = result.Model;
            seconds = result.Elapsed.TotalSeconds;
            stopReason = result.StopReason;
            status = UnlearnOutcome.Of(result, original);
            if (status == UnlearnOutcome.Diverged)
            {
                // Nothing was unlearned: no model is saved under the method's name (an older one of other settings is removed),
                // and the record says so instead of holding the Original's measures.
                model.Dispose();
                folder.DeleteModel(name, seed);
                var failed = ModelRecord.Failed(name, seed, status, stopReason!, seconds) with
                {
                    Method = resolved.Method, Config = methodConfig, Options = resolved.Options.Count > 0 ? resolved.Options : null, Settings = method.Settings,
                };
                report("diverged", 1, stopReason!);
                folder.SaveStep(name, seed, new StepFile(key, failed, null));
                return (failed, null);
            }
            Checkpoint.Save(folder.Checkpoint(name, seed), model, CheckpointInfo(name, methodConfig.Seed, modelKey) with
            {
                Metrics = new Dictionary<string, double> { ["seconds"] = seconds }, StopReason = stopReason,
            });
        }
        using (model)
        {
            var (record, projection) = Measure(name, model, seconds, report, cancel);
            record = record with
            {
                Method = resolved.Method, Config = name == "retrain" ? null : methodConfig,
                Options = resolved.Options.Count > 0 ? resolved.Options : null, Settings = method.Settings, StopReason = stopReason, Status = status,
            };
            if (name == "retrain") { _retrainTest?.Dispose(); _retrainTest = Extract(model); _retrainKey = modelKey; }
            folder.SaveStep(name, seed, new StepFile(key, record, projection));
            return (record, projection);
        }
    }

    readonly Lazy<string?> RetrainFingerprint = new(() => config.RetrainFile is { } file ? ModelFile.Fingerprint(file) : null);

    // The heads depend on the Original, the training data and their own settings, not on the forget request, so they
    // live beside the Original (shared by a study's requests). Stages: the ones this EC configuration puts heads on.
    (string Path, string Key) EnsureEcModules(EcOptions ec, Action<string, double, string> report)
    {
        var stages = EcParts.SupervisionPoints(_original!, ec).HeadStages;
        var options = new EcModulesOptions { Stages = stages, EmbeddingDim = ec.EmbeddingDim, Seed = seed };
        string key = _keys.EcModules(_originalKey!, options);
        var models = config.OriginalsFolder is { } shared ? new RunFolder(shared) : folder;
        string path = Path.Combine(Path.GetDirectoryName(models.Checkpoint("original", seed))!, $"ec_modules_{string.Join("-", stages)}_d{ec.EmbeddingDim}.ecm");
        if (File.Exists(path) && File.Exists(path + ".key") && File.ReadAllText(path + ".key").Trim() == key) return (path, key);
        File.Delete(path + ".key");   // a kill while the new modules are written must not leave them under the old key
        report("ec-modules", 0.1, $"training EC modules once for the Original ({split.Data.Train.Count} training images)");
        EcModules.TrainToFile(path, _original!, split.Data.Train, _preset.FeedOn(config.Device), options);
        AtomicFile.WriteAllText(path + ".key", key);
        return (path, key);
    }

    StagedModel EnsureOriginal(Action<string, double, string> report, CancellationToken cancel)
    {
        if (_original is not null) return _original;
        // The trained model depends on the data and the recipe only (an imported one on its file); its evaluation also on the split.
        string modelKey = _keys.OriginalModel();
        string ckpt = OriginalCheckpoint;
        if (OriginalsModels.HasModel("original", seed, modelKey))
        {
            report("load", 0.05, "the Original from the cache");
            _original = Checkpoint.Load(ckpt, spec).Model;
            _original.to(config.Device);
            _original.eval();
        }
        else if (config.OriginalFile is { } originalFile)
        {
            report("import", 0.5, $"reading {Path.GetFileName(originalFile)}");
            var model = ModelFile.Load(originalFile, spec);
            model.to(config.Device);
            model.eval();
            Checkpoint.Save(ckpt, model, CheckpointInfo("original", seed, modelKey) with { Split = null, Metrics = new Dictionary<string, double> { ["seconds"] = 0 } });
            _original = model;
        }
        else
        {
            Seeding.Seed(seed);
            var clock = Stopwatch.StartNew();
            var model = spec.Create();
            model.to(config.Device);
            Trainer.Fit(model, split.Data.Train, null, _preset.FeedOn(config.Device), _preset.Train, p =>
            {
                cancel.ThrowIfCancellationRequested();
                report("train", 0.8 * p.Fraction, $"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch} loss {p.Loss:F3} train-acc {p.TrainAccuracy:P1}");
            });
            model.eval();
            double seconds = clock.Elapsed.TotalSeconds;
            Checkpoint.Save(ckpt, model, CheckpointInfo("original", seed, modelKey) with { Split = null, Metrics = new Dictionary<string, double> { ["seconds"] = seconds } });
            _original = model;
        }
        _originalKey = modelKey;
        _originalTest = Extract(_original);
        Stages = _original.StageNames.ToArray();
        if (_retrainTest is null) LoadRetrainFeatures();
        return _original;
    }

    // The Originals live in the shared folder when there is one (a study's or a sweep's), else in this run's.
    RunFolder OriginalsModels => config.OriginalsFolder is { } shared ? new RunFolder(shared) : folder;
    string OriginalCheckpoint => OriginalsModels.Checkpoint("original", seed);

    // The Original's own record (evaluated against this run's split), only when the run produces it: a sweep's shards
    // unlearn from the Original without evaluating it again.
    (ModelRecord, ProjectionRecord?) MeasureOriginal(Action<string, double, string> report, CancellationToken cancel)
    {
        string key = _keys.Step("original", _originalKey!, null);
        if (folder.TryLoadRecord("original", seed, key) is { } cached)
        {
            report("cached", 1, "reused from the cache");
            return (cached.Record, cached.Projection);
        }
        double seconds = Checkpoint.ReadInfo(OriginalCheckpoint).Metrics.GetValueOrDefault("seconds");
        var (record, projection) = Measure("original", _original!, seconds, report, cancel);
        record = record with { Method = "original" };
        folder.SaveStep("original", seed, new StepFile(key, record, projection));
        return (record, projection);
    }

    // The Retrain of this run's settings, when its model is in the folder (from this run or an earlier one) or in a sweep's base
    // run: the reference of CKA to Retrain, whose key goes into every later step's key. A Retrain of other settings is never used.
    void LoadRetrainFeatures()
    {
        var resolved = config.EffectiveSettings.Resolve("retrain", seed);
        var settings = MethodCatalog.Create(resolved.Method, _preset.Train, resolved.MethodOptions).Settings;
        string modelKey = _keys.Model(_originalKey!, resolved, settings, null, config.RetrainFile is null ? null : RetrainFingerprint.Value);
        var holder = new[] { folder }.Concat(config.RetrainFolders.Select(f => new RunFolder(f))).FirstOrDefault(f => f.HasModel("retrain", seed, modelKey));
        if (holder is null) return;
        using var retrain = Checkpoint.Load(holder.Checkpoint("retrain", seed), spec).Model;
        retrain.to(config.Device);
        _retrainTest = Extract(retrain);
        _retrainKey = modelKey;
    }

    (ModelRecord, ProjectionRecord?) Measure(string name, StagedModel model, double seconds, Action<string, double, string> report, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        report("evaluate", 0.85, "UA, RA, TA, MIA, CKA, probes, k-NN");
        var clock = Stopwatch.StartNew();
        var options = Evaluation();
        IReadOnlyDictionary<string, double>? ckaRetrain = null;
        ProjectionRecord? projection = null;
        bool project = _keys.MakesProjection(name);
        // CKA to Retrain and the PCA picture reuse the evaluation's test features (no extra forward pass).
        var evaluation = ForgettingEvaluator.Evaluate(model, split, _preset.FeedOn(config.Device), _originalTest, options, test =>
        {
            if (name == "retrain") ckaRetrain = test.Stages.Keys.ToDictionary(s => s, _ => 1.0);
            else if (_retrainTest is not null) ckaRetrain = LayerwiseCka.Compare(test, _retrainTest, options.Cka);
            if (project)
            {
                string last = model.StageNames[^1];
                var pca = Pca.Project(test.Stages[last]);
                projection = new ProjectionRecord(name, last, pca.X, pca.Y, split.Data.Test.Labels.Select(l => (int)l).ToArray());
            }
        });
        cancel.ThrowIfCancellationRequested(); // a stop asked for during the evaluation: nothing of it is recorded
        IReadOnlyList<double> relearn = [];
        if (config.Relearning is { } r)
        {
            report("relearn", 0.95, "relearning attack");
            relearn = RelearningAttack.Run(model, split, _preset.FeedOn(config.Device), r with { Seed = seed });
        }
        var record = ModelRecord.From(name, seed, evaluation) with
        {
            CkaToRetrain = ckaRetrain, RelearnForgetAcc = relearn, Seconds = seconds, EvalSeconds = clock.Elapsed.TotalSeconds,
        };
        return (record, projection);
    }

    StageFeatures Extract(StagedModel model) =>
        FeatureExtractor.Extract(model, split.Data.Test, _preset.FeedOn(config.Device), null, config.Evaluation.Form, config.Evaluation.BatchSize);

    EvaluationOptions Evaluation() => _keys.Evaluation;

    // The cache key goes into the checkpoint itself: the model's step is durable the moment its file is.
    CheckpointInfo CheckpointInfo(string role, int s, string cacheKey) => new()
    {
        Model = spec, Role = role, Dataset = split.Data.Name, ClassNames = split.Data.ClassNames, Split = split.Request,
        Seed = s, Recipe = _preset.Train, CacheKey = cacheKey,
    };

    static string Describe(UnlearnProgress p) =>
        $"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch} " + string.Join(" ", p.Losses.Where(kv => kv.Key == "total" || !kv.Key.Contains('/')).Take(4).Select(kv => $"{kv.Key} {kv.Value:F3}"));

    public void Dispose()
    {
        _original?.Dispose();
        _originalTest?.Dispose();
        _retrainTest?.Dispose();
    }
}
