using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Training;

public sealed class TrainerTests
{
    public TrainerTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void No_tensor_outlives_its_epoch()
    {
        // Live tensors are counted per thread by TorchSharp; the trainer reports progress on the
        // training thread, so the count after each epoch shows whether anything leaks per epoch.
        var data = FashionMnist.Load();
        var small = MiniSubset.Stratified(data.Train, 10, seed: 0);
        using var model = ResNet.ResNet18(1, 10, 4);
        var live = new List<long>();
        Trainer.Fit(model, small, small, new Feed(Normalization.FashionMnist, CPU),
            new TrainConfig { Epochs = 5, BatchSize = 20, LogEvery = 2 },
            p => { if (p.EndOfEpoch) live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount); });
        Assert.Equal(5, live.Count);
        Assert.True(live.Skip(1).All(n => n == live[1]), $"live tensors after each epoch: {string.Join(", ", live)}");
    }

    [Fact]
    public void Progress_reports_steps_epochs_and_a_sensible_eta()
    {
        var data = FashionMnist.Load();
        var small = MiniSubset.Stratified(data.Train, 10, seed: 0);
        using var model = ResNet.ResNet18(1, 10, 4);
        var reports = new List<TrainProgress>();
        var result = Trainer.Fit(model, small, small, new Feed(Normalization.FashionMnist, CPU), new TrainConfig { Epochs = 2, BatchSize = 10, LogEvery = 3 }, reports.Add);
        // 100 images / 10 = 10 steps per epoch: reports at steps 3, 6, 9 and one at the end of each epoch.
        Assert.Equal(8, reports.Count);
        Assert.Equal([3, 6, 9, 10, 3, 6, 9, 10], reports.Select(r => r.Step));
        Assert.Equal(2, reports.Count(r => r.EndOfEpoch));
        Assert.Equal(1.0, reports[^1].Fraction, 6);
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
        Assert.All(reports, r => Assert.InRange(r.TrainAccuracy, 0, 1));
        Assert.Equal(2, result.Epochs.Count);
    }

    [Theory]
    [InlineData(0, 128, 0.1)]
    [InlineData(1, 0, 0.1)]
    [InlineData(1, 128, 0.0)]
    [InlineData(1, 128, double.NaN)]
    public void Bad_recipes_are_refused(int epochs, int batch, double lr)
    {
        var config = new TrainConfig { Epochs = epochs, BatchSize = batch, LearningRate = lr };
        Assert.Throws<ArgumentException>(config.Validate);
    }

    [Fact]
    public void Schedules_follow_their_definition()
    {
        var cosine = new TrainConfig { LearningRate = 0.1, Epochs = 4 };
        Assert.Equal(0.1, cosine.RateAt(0, 100, 0), 12);
        Assert.Equal(0.05, cosine.RateAt(50, 100, 2), 12);
        Assert.Equal(0.0, cosine.RateAt(100, 100, 3), 12);
        var step = cosine with { Schedule = LearningRateSchedule.Step };
        Assert.Equal(0.1, step.RateAt(0, 100, 1), 12);
        Assert.Equal(0.01, step.RateAt(0, 100, 2), 12);
        Assert.Equal(0.001, step.RateAt(0, 100, 3), 12);
    }
}
