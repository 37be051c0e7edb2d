using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Metrics;

public sealed class LogitMetricsTests
{
    public LogitMetricsTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Logit_metrics_agree_with_predictions_counted_by_hand()
    {
        var data = FashionMnist.Load();
        var small = data with { Train = MiniSubset.Stratified(data.Train, 10, seed: 0), Test = MiniSubset.Stratified(data.Test, 10, seed: 1) };
        var split = ForgetSplit.Classes(small, 3);
        Seeding.Seed(0);
        using var model = ResNet.ResNet18(1, 10, 4);
        Trainer.Fit(model, small.Train, null, new Feed(Normalization.FashionMnist, CPU), new TrainConfig { Epochs = 2, BatchSize = 20, Augment = null });

        var m = LogitMetrics.Measure(model, split, new Feed(Normalization.FashionMnist, CPU));
        using var trainPred = Evaluate.Predict(model, small.Train, new Feed(Normalization.FashionMnist, CPU));
        using var testPred = Evaluate.Predict(model, small.Test, new Feed(Normalization.FashionMnist, CPU));
        long[] tp = trainPred.data<long>().ToArray(), sp = testPred.data<long>().ToArray();
        double Acc(long[] pred, int[] labels, Func<int, bool> keep)
        {
            var idx = Enumerable.Range(0, labels.Length).Where(i => keep(labels[i])).ToArray();
            return idx.Count(i => pred[i] == labels[i]) / (double)idx.Length;
        }
        Assert.Equal(Acc(tp, small.Train.Labels, l => l == 3), m.UA, 12);
        Assert.Equal(Acc(tp, small.Train.Labels, l => l != 3), m.RA, 12);
        Assert.Equal(Acc(sp, small.Test.Labels, l => l != 3), m.TA, 12);
        Assert.Equal(Acc(sp, small.Test.Labels, l => l == 3), m.ForgetTest, 12);
        Assert.Equal(10, m.PerClassTest.Count);
        Assert.Equal(Acc(sp, small.Test.Labels, l => l == 5), m.PerClassTest[5], 12);
    }
}
