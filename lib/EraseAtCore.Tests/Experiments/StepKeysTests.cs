using System.Collections;
using System.Reflection;
using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;

namespace EraseAtCore.Tests.Experiments;

/// <summary>
/// Every setting a cached result depends on is in its key: each field of the preset (recipe and model included), the
/// evaluation and relearning options and the method's configuration is changed in turn, found by reflection, so a field
/// added later is tested without anyone listing it; only the exclusions StepKeys documents leave a key unchanged.
/// </summary>
public sealed class StepKeysTests
{
    public StepKeysTests() => TorchRuntime.EnsureLoaded();

    static readonly Preset Tiny = Preset.Quick with { Name = "tiny", TrainPerClass = 20, TestPerClass = 10 };
    static readonly Lazy<Dataset> Data = new(() => Tiny.LoadData());

    // Preset fields a trained Original does not depend on, and those no step depends on (StepKeys says why).
    static readonly string[] NotTraining = ["Description", "Requires", "Stream", "ForgetClasses", "DefaultForget", "UnlearnOptions", "TestPerClass", "EvalResize"];
    static readonly string[] NotEvaluation = ["Description", "Requires", "Stream", "ForgetClasses", "DefaultForget"];

    sealed record Keys(string Original, string Model, string Step);

    static Keys KeysOf(ExperimentConfig config, Dataset data, ForgetSplit split, UnlearnConfig? methodConfig = null, string method = "ft", int seed = 0)
    {
        var keys = new StepKeys(config, data, split, config.Preset.ModelFor(data), seed);
        string original = keys.OriginalModel();
        var resolved = config.EffectiveSettings.Resolve(method, seed);
        if (methodConfig is not null) resolved = resolved with { Config = methodConfig };
        var settings = MethodCatalog.Create(resolved.Method, config.Preset.Train, resolved.MethodOptions).Settings;
        string model = keys.Model(original, resolved, settings, null, null);
        return new Keys(original, model, keys.Step(method, model, null));
    }

    static ExperimentConfig Config(Preset preset) => new() { Preset = preset, Output = "unused" };

    static ForgetSplit Split(Dataset data, int forget = 3) => ForgetRequest.OfClasses(forget).Resolve(data).Apply(data);

    [Fact]
    public void Every_preset_field_changes_the_keys_that_depend_on_it()
    {
        var data = Data.Value;
        var split = Split(data);
        var baseline = KeysOf(Config(Tiny), data, split);
        var mutations = Mutations.Of(Tiny, "").ToList();
        Assert.True(mutations.Count > 25, $"only {mutations.Count} preset mutations found");
        foreach (var (path, changed) in mutations)
        {
            var keys = KeysOf(Config((Preset)changed), data, split);
            string top = path.TrimStart('.').Split('.')[0];
            if (path == ".Train.Seed") { Assert.Equal(baseline, keys); continue; }   // the runner sets it to each run's seed (tested below)
            Assert.True(NotTraining.Contains(top) == (keys.Original == baseline.Original), $"{path}: the Original's key {(keys.Original == baseline.Original ? "ignored" : "followed")} it");
            Assert.True(NotEvaluation.Contains(top) == (keys.Step == baseline.Step), $"{path}: an unlearned model's step key {(keys.Step == baseline.Step ? "ignored" : "followed")} it");
        }
    }

    [Fact]
    public void Every_evaluation_relearning_and_method_setting_changes_the_step_but_not_the_Original()
    {
        var data = Data.Value;
        var split = Split(data);
        var config = Config(Tiny);
        var baseline = KeysOf(config, data, split);
        var cases = Mutations.Of(config.Evaluation, "evaluation").Select(m => (m.Path, Config: config with { Evaluation = (EvaluationOptions)m.Changed }))
            .Concat(Mutations.Of(config.Relearning!, "relearning").Select(m => (m.Path, Config: config with { Relearning = (RelearningOptions)m.Changed })))
            .Append(("relearning off", config with { Relearning = null }))
            .Append(("projection of ft", config with { ProjectionModels = [.. config.ProjectionModels, "ft"] }))
            .Append(("--option ft.lr", config with { Settings = MethodSettings.Parse(["ft.lr=0.5"]) }))
            .ToList();
        Assert.True(cases.Count > 12, $"only {cases.Count} cases");
        foreach (var (path, changed) in cases)
        {
            var keys = KeysOf(changed, data, split);
            Assert.Equal(baseline.Original, keys.Original);
            // The seed fields are overwritten with each run's seed (the seed itself is tested below): a key may follow them or not.
            if (path.EndsWith(".Seed", StringComparison.Ordinal)) continue;
            Assert.True(keys.Step != baseline.Step, $"{path}: the step key ignored it");
        }
        var resolved = config.EffectiveSettings.Resolve("ft", 0).Config;
        foreach (var (path, changed) in Mutations.Of(resolved, "unlearn"))
        {
            var keys = KeysOf(config, data, split, (UnlearnConfig)changed);
            Assert.True(keys.Model != baseline.Model && keys.Step != baseline.Step, $"{path}: the model's key ignored it");
        }
    }

    [Fact]
    public void The_data_the_forget_request_and_the_seed_enter_by_what_they_are()
    {
        var data = Data.Value;
        var split = Split(data);
        var baseline = KeysOf(Config(Tiny), data, split);
        // One pixel of one training image: every key; one pixel of a test image: only the steps.
        var train = data with { Train = WithPixel(data.Train) };
        var otherTrain = KeysOf(Config(Tiny), train, Split(train));
        Assert.NotEqual(baseline.Original, otherTrain.Original);
        Assert.NotEqual(baseline.Model, otherTrain.Model);
        var test = data with { Test = WithPixel(data.Test) };
        var otherTest = KeysOf(Config(Tiny), test, Split(test));
        Assert.Equal(baseline.Original, otherTest.Original);
        Assert.Equal(baseline.Model, otherTest.Model);
        Assert.NotEqual(baseline.Step, otherTest.Step);
        // Another forget request: the unlearned model, not the Original.
        var otherRequest = KeysOf(Config(Tiny), data, Split(data, forget: 5));
        Assert.Equal(baseline.Original, otherRequest.Original);
        Assert.NotEqual(baseline.Model, otherRequest.Model);
        // Another seed: everything.
        var otherSeed = KeysOf(Config(Tiny) with { Seeds = [0, 1] }, data, split, seed: 1);
        Assert.NotEqual(baseline.Original, otherSeed.Original);
        Assert.NotEqual(baseline.Model, otherSeed.Model);
        // The same settings and data again: the same keys (a cache that never hits would pass the tests above).
        Assert.Equal(baseline, KeysOf(Config(Tiny), Tiny.LoadData(), Split(Tiny.LoadData())));
    }

    static ImageSet WithPixel(ImageSet set)
    {
        var pixels = set.Pixels.ToArray();
        pixels[pixels.Length / 2] ^= 1;
        return new ImageSet(pixels, set.Labels, set.Channels, set.Height, set.Width, set.ClassCount);
    }

    /// <summary>Every single-field change of a settings record, recursing into nested records, found by reflection.</summary>
    static class Mutations
    {
        public static IEnumerable<(string Path, object Changed)> Of(object value, string path)
        {
            foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                         .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0))
                foreach (var (inner, alternative) in Alternatives(property, property.PropertyType, property.GetValue(value), $"{path}.{property.Name}"))
                {
                    var clone = value.GetType().GetMethod("<Clone>$")!.Invoke(value, null)!;
                    property.SetValue(clone, alternative);
                    yield return (inner, clone);
                }
        }

        static IEnumerable<(string Path, object? Value)> Alternatives(PropertyInfo property, Type type, object? current, string path)
        {
            if (Nullable.GetUnderlyingType(type) is { } underlying)
            {
                if (current is null) { yield return (path, Sample(underlying, path)); yield break; }
                yield return (path, null);
                type = underlying;
            }
            if (type == typeof(int)) yield return (path, (int)current! + 1);
            else if (type == typeof(double)) yield return (path, (double)current! * 2 + 0.5);
            else if (type == typeof(float)) yield return (path, (float)current! * 2 + 0.5f);
            else if (type == typeof(bool)) yield return (path, !(bool)current!);
            else if (type == typeof(string)) yield return (path, (string?)current + "-changed");
            else if (type.IsEnum)
            {
                var values = Enum.GetValues(type).Cast<object>().ToList();
                yield return (path, values[(values.IndexOf(current!) + 1) % values.Count]);
            }
            else if (type == typeof(TorchSharp.torch.Device)) yield return (path, new TorchSharp.torch.Device(TorchSharp.DeviceType.CUDA, 1));
            else if (type == typeof(float[])) yield return (path, ((float[])current!).Select(x => x + 0.5f).ToArray());
            else if (type == typeof(IReadOnlyList<int>)) yield return (path, ((IReadOnlyList<int>)current!).Append(7).ToArray());
            else if (type == typeof(IReadOnlyList<string>)) yield return (path, ((IReadOnlyList<string>)current!).Append(path.EndsWith("UnlearnOptions") ? "all.lr=0.5" : "changed").ToArray());
            else if (type.GetMethod("<Clone>$") is not null)
            {
                if (current is null) { yield return (path, Sample(type, path)); yield break; }
                if (Nullable.GetUnderlyingType(property.PropertyType) is null && !IsNonNullable(property)) yield return (path, null);
                foreach (var inner in Of(current, path)) yield return inner;
            }
            else throw new InvalidOperationException($"{path}: no mutation for {type}; teach the test this type so the field is covered.");
        }

        static bool IsNonNullable(PropertyInfo property) =>
            new NullabilityInfoContext().Create(property).WriteState != NullabilityState.Nullable;

        static object Sample(Type type, string path) => type switch
        {
            _ when type == typeof(int) => 64,
            _ when type == typeof(bool) => true,
            _ when type == typeof(double) => 0.5,
            _ when type == typeof(Augmentation) => new Augmentation(),
            _ when type == typeof(ForgetRequest) => ForgetRequest.OfClasses(5),
            _ when type == typeof(TorchSharp.torch.Device) => TorchSharp.torch.CPU,
            _ => throw new InvalidOperationException($"{path}: no sample {type} for a null field; teach the test one."),
        };
    }
}
