using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Unlearning;

public sealed class BaselineTests
{
    readonly SmallOriginal original = SmallOriginal.Instance;

    [Fact]
    public void The_shared_original_has_learned_the_forget_class()
    {
        Assert.True(original.ForgetAccuracy > 0.6, $"Original forget-class train accuracy {original.ForgetAccuracy:P1}");
        Assert.True(original.RetainAccuracy > 0.6, $"Original retain train accuracy {original.RetainAccuracy:P1}");
    }

    [Theory]
    [InlineData("ga", 5, 0.002, 0.5, 0.25)]        // ascent alone: forget accuracy must halve; retain may drop at most 25 points
    [InlineData("neggrad+", 3, 0.02, 0.5, 0.15)]
    [InlineData("rl", 4, 0.01, 0.5, 0.25)] // RL relabels half of every batch at random: on a 400-image model that costs more retain accuracy
    public void Methods_forget_the_forget_set_and_keep_the_retain_set(string name, int epochs, double lr, double forgetFactor, double retainDrop)
    {
        var before = StateOf(original.Model);
        var result = original.Run(MethodCatalog.Create(name, new TrainConfig()), new UnlearnConfig { Epochs = epochs, LearningRate = lr, BatchSize = 20 });
        using var model = result.Model;
        var (forget, retain) = original.Measure(model);
        Assert.Null(result.StopReason);
        Assert.True(forget <= original.ForgetAccuracy * forgetFactor,
            $"{name}: forget accuracy {forget:P1}, Original {original.ForgetAccuracy:P1}: should be at most {forgetFactor:P0} of it");
        Assert.True(retain >= original.RetainAccuracy - retainDrop,
            $"{name}: retain accuracy {retain:P1}, Original {original.RetainAccuracy:P1}: allowed drop {retainDrop:P0}");
        Assert.Equal(original.Model.Spec, model.Spec);
        Assert.True(before.Zip(StateOf(original.Model)).All(p => p.First.SequenceEqual(p.Second)), "the Original must not change");
        Assert.NotEmpty(result.Log);
        Assert.All(result.Log, e => Assert.True(e.Losses.ContainsKey("total")));
    }

    [Fact]
    public void Fine_tuning_trains_on_retain_only_and_keeps_retain_accuracy()
    {
        var result = original.Run(new FineTune(), new UnlearnConfig { Epochs = 2, LearningRate = 0.01, BatchSize = 20 });
        using var model = result.Model;
        var (_, retain) = original.Measure(model);
        Assert.True(retain >= original.RetainAccuracy - 0.1, $"ft: retain accuracy {retain:P1} vs Original {original.RetainAccuracy:P1}");
        Assert.All(result.Log, e => Assert.Equal(["retain_ce", "total"], e.Losses.Keys.Order()));
    }

    [Fact]
    public void Runaway_gradient_ascent_is_stopped_and_the_last_good_state_kept()
    {
        // A huge rate makes ascent explode; the guard must stop it and return finite weights.
        var result = original.Run(new GradientAscent(), new UnlearnConfig { Epochs = 20, LearningRate = 50, BatchSize = 20, LogEvery = 1, MaxWeightNormRatio = 3 });
        using var model = result.Model;
        Assert.True(result.Diverged);
        Assert.Contains("diverged", result.StopReason);
        Assert.Contains("last good state", result.StopReason);
        using (no_grad()) Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    [Fact]
    public void A_step_budget_gives_forget_and_retain_driven_methods_the_same_number_of_updates()
    {
        // 2 forget batches and 18 retain batches per epoch here: 7 steps are 4 epochs of RL (the last partial) and part of one of FT.
        var budget = new UnlearnConfig { Steps = 7, LearningRate = 0.01, BatchSize = 20, LogEvery = 1 };
        var rl = original.Run(new RandomLabels(), budget);
        var ft = original.Run(new FineTune(), budget);
        using (rl.Model) using (ft.Model)
        {
            Assert.Equal(7, rl.Log.Count);
            Assert.Equal(7, ft.Log.Count);
            Assert.Equal([1, 1, 2, 2, 3, 3, 4], rl.Log.Select(e => e.Epoch));
            Assert.All(ft.Log, e => Assert.Equal(1, e.Epoch));
        }
        Assert.Throws<ArgumentException>(() => (budget with { Steps = 0 }).Validate());
    }

    [Fact]
    public void Same_seed_same_result()
    {
        var config = new UnlearnConfig { Epochs = 1, LearningRate = 0.01, BatchSize = 20, Seed = 5 };
        using var a = original.Run(new RandomLabels(), config).Model;
        using var b = original.Run(new RandomLabels(), config).Model;
        Assert.True(StateOf(a).Zip(StateOf(b)).All(p => p.First.SequenceEqual(p.Second)));
    }

    [Fact]
    public void Bad_settings_and_names_are_refused()
    {
        Assert.Throws<ArgumentException>(() => original.Run(new FineTune(), new UnlearnConfig { Epochs = 0 }));
        Assert.Throws<ArgumentException>(() => original.Run(new NegGradPlus(new NegGradPlusOptions(1.5)), new UnlearnConfig()));
        var e = Assert.Throws<ArgumentException>(() => MethodCatalog.Create("magic", new TrainConfig()));
        Assert.Contains("retrain, ft, ga", e.Message);
    }

    [Fact]
    public void Random_labels_are_always_wrong_and_seeded()
    {
        using var scope = NewDisposeScope();
        var labels = arange(10, dtype: int64).repeat(50);
        manual_seed(1);
        var a = Losses.RandomOtherLabels(labels, 10);
        manual_seed(1);
        var b = Losses.RandomOtherLabels(labels, 10);
        Assert.False(a.eq(labels).any().item<bool>());
        Assert.True(a.eq(b).all().item<bool>());
        Assert.True(a.lt(10).all().item<bool>() && a.ge(0).all().item<bool>());
    }

    static List<float[]> StateOf(StagedModel m) =>
        m.state_dict().Where(kv => kv.Value.dtype == float32).Select(kv => kv.Value.data<float>().ToArray()).ToList();
}
