using System.Diagnostics;
using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using static TorchSharp.torch;

namespace EraseAtCore.Training;

/// <summary>
/// Trains a model with SGD (momentum, weight decay) and a learning-rate schedule, evaluating on the
/// test set after every epoch. Used for the Original model (all training data) and Retrain (retain
/// data only). A plain loop, like nanoGPT's: read it top to bottom.
/// </summary>
public static class Trainer
{
    /// <summary>Trains <paramref name="model"/> in place and returns the per-epoch record.</summary>
    /// <param name="model">The model to train (already on <paramref name="feed"/>'s device).</param>
    /// <param name="train">Training images.</param>
    /// <param name="test">Images evaluated after each epoch (null: skip).</param>
    /// <param name="config">The recipe.</param>
    /// <param name="feed">How images reach the model (normalisation, used for training and evaluation alike, and device).</param>
    /// <param name="progress">Receives progress every <see cref="TrainConfig.LogEvery"/> steps and per epoch.</param>
    public static TrainResult Fit(StagedModel model, ImageSet train, ImageSet? test, Feed feed, TrainConfig config,
        Action<TrainProgress>? progress = null)
    {
        config.Validate();
        if (train.Count == 0) throw new ArgumentException("The training set is empty.");
        Seeding.Seed(config.Seed);
        var loader = new BatchLoader(train, new BatchOptions(config.BatchSize, Shuffle: true, config.Seed, feed.Normalize, config.Augment), feed.Device);
        using var optimizer = optim.SGD(model.parameters(), config.LearningRate, config.Momentum, weight_decay: config.WeightDecay);
        var lossFn = nn.CrossEntropyLoss();
        long totalSteps = (long)loader.BatchCount * config.Epochs, globalStep = 0;
        var clock = Stopwatch.StartNew();
        var epochs = new List<TrainProgress>();

        for (int epoch = 1; epoch <= config.Epochs; epoch++)
        {
            model.train();
            // Running sums stay on the device; reading them (a sync) happens only at log points.
            using var lossSum = zeros(1, dtype: float64, device: feed.Device);
            using var correct = zeros(1, dtype: int64, device: feed.Device);
            long seen = 0;
            int step = 0;
            TrainProgress Report(double? testAccuracy) => new(epoch, config.Epochs, step, loader.BatchCount,
                lossSum.item<double>() / Math.Max(1, seen), correct.item<long>() / (double)Math.Max(1, seen), testAccuracy, clock.Elapsed);

            foreach (var batch in loader.Epoch(epoch))
            {
                using var scope = NewDisposeScope();
                double rate = config.RateAt(globalStep, totalSteps, epoch - 1);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
                optimizer.zero_grad();
                var logits = model.forward(batch.Images);
                var loss = lossFn.forward(logits, batch.Labels);
                loss.backward();
                optimizer.step();
                using (no_grad())
                {
                    lossSum.add_(loss.detach().to(float64) * batch.Labels.shape[0]);
                    correct.add_(logits.argmax(1).eq(batch.Labels).sum());
                }
                seen += batch.Labels.shape[0];
                step++; globalStep++;
                batch.Images.Dispose(); batch.Labels.Dispose();
                if (step % config.LogEvery == 0 && step < loader.BatchCount) progress?.Invoke(Report(null));
            }
            double? testAcc = test is null ? null : Evaluate.Accuracy(model, test, feed, config.BatchSize);
            var summary = Report(testAcc ?? double.NaN);
            epochs.Add(summary);
            progress?.Invoke(summary);
        }
        return new TrainResult(epochs, clock.Elapsed);
    }
}
