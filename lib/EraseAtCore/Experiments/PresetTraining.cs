using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Experiments;

/// <summary>A trained model with its record and the accuracies measured at the end.</summary>
/// <param name="Model">The trained model (caller disposes).</param>
/// <param name="Result">Per-epoch record.</param>
/// <param name="Info">Checkpoint metadata, ready for <see cref="Checkpoint.Save"/>.</param>
public sealed record TrainedModel(StagedModel Model, TrainResult Result, CheckpointInfo Info);

/// <summary>
/// Trains the two reference models of every unlearning experiment with a preset's recipe: the
/// Original (all training data) and Retrain (the retain set only, from scratch: the gold standard).
/// </summary>
public static class PresetTraining
{
    /// <summary>Trains the Original model on the whole training set.</summary>
    public static TrainedModel Original(Preset preset, Dataset data, Device device, Action<TrainProgress>? progress = null, ForgetSplit? reportOn = null) =>
        Train(preset, data, data.Train, data.Test, "original", null, device, progress, reportOn);

    /// <summary>Trains the Retrain model: same recipe and seed, retain set only, evaluated on retain-class test images.</summary>
    public static TrainedModel Retrain(Preset preset, ForgetSplit split, Device device, Action<TrainProgress>? progress = null) =>
        Train(preset, split.Data, split.Train.Retain, split.Test.Retain, "retrain", split.Request, device, progress, split);

    static TrainedModel Train(Preset preset, Dataset data, ImageSet train, ImageSet test, string role, ForgetRequest? splitInfo,
        Device device, Action<TrainProgress>? progress, ForgetSplit? reportOn)
    {
        Seeding.Seed(preset.Train.Seed);
        var spec = preset.ModelFor(data);
        var model = spec.Create();
        model.to(device);
        var result = Trainer.Fit(model, train, test, preset.FeedOn(device), preset.Train, progress);
        var metrics = new Dictionary<string, double> { ["test"] = Evaluate.Accuracy(model, data.Test, preset.FeedOn(device)) };
        if (reportOn is not null)
        {
            metrics["retain_test"] = Evaluate.Accuracy(model, reportOn.Test.Retain, preset.FeedOn(device));
            if (reportOn.Test.Forget.Count > 0) metrics["forget_test"] = Evaluate.Accuracy(model, reportOn.Test.Forget, preset.FeedOn(device));
            metrics["retain_train"] = Evaluate.Accuracy(model, reportOn.Train.Retain, preset.FeedOn(device));
            metrics["forget_train"] = Evaluate.Accuracy(model, reportOn.Train.Forget, preset.FeedOn(device));
        }
        var info = new CheckpointInfo
        {
            Model = spec, Role = role, Dataset = data.Name, ClassNames = data.ClassNames, Split = splitInfo,
            Seed = preset.Train.Seed, Recipe = preset.Train, Metrics = metrics,
        };
        return new TrainedModel(model, result, info);
    }
}
