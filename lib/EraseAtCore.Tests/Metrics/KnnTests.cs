using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Metrics;

/// <summary>
/// Cosine k-NN: hand-checkable cases (1-NN on four points, tie-breaking, weighted voting), separated clusters
/// (100%), random labels (chance), and chunking that must not change a single prediction.
/// </summary>
public sealed class KnnTests
{
    public KnnTests() => TorchRuntime.EnsureLoaded();

    static Tensor Points(params float[][] rows) =>
        tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);

    [Fact]
    public void One_nearest_neighbour_on_four_points_gives_the_hand_computed_answer()
    {
        using var _ = NewDisposeScope();
        // Four unit directions labelled 0..3; cosine ignores length, so (100, 1) is nearest to (1, 0).
        var train = Points([1, 0], [0, 1], [-1, 0], [0, -1]);
        var trainY = tensor(new long[] { 0, 1, 2, 3 });
        var test = Points([100, 1], [0.1f, 3], [-5, 1], [0.2f, -1]);
        var testY = tensor(new long[] { 0, 1, 2, 1 });            // the last one is really nearest to class 3
        Assert.Equal(new long[] { 0, 1, 2, 3 }, KNearestNeighbours.Predict(train, trainY, test, k: 1).data<long>().ToArray());

        var result = KNearestNeighbours.Accuracy(train, trainY, test, testY, k: 1, forgetClasses: [1]);
        Assert.Equal(0.75, result.Accuracy);
        Assert.Equal(0.5, result.ForgetClassAccuracy);          // label-1 samples: one right, one wrong
        Assert.Equal(1.0, result.RetainClassAccuracy);           // labels 0 and 2: both right
        Assert.Equal(4, result.PerClassAccuracy.Count);         // classes 0..3 (3 appears in the train labels)
        Assert.Equal(new[] { 1.0, 0.5, 1.0 }, result.PerClassAccuracy.Take(3));
        Assert.True(double.IsNaN(result.PerClassAccuracy[3]));  // no test sample of class 3
        Assert.Equal(1, result.K);
    }

    [Fact]
    public void Vote_ties_go_to_the_more_similar_class_and_weighting_can_outvote_the_majority()
    {
        using var _ = NewDisposeScope();
        var query = Points([1, 0]);
        // k = 2: one neighbour of each class; class 1's is closer, so class 1 wins although 0 < 1.
        var tieTrain = Points([1, 0.3f], [1, 0.05f]);
        var tieY = tensor(new long[] { 0, 1 });
        Assert.Equal(1L, KNearestNeighbours.Predict(tieTrain, tieY, query, k: 2).item<long>());

        // k = 3: two farther class-0 neighbours outvote one very close class-1 neighbour...
        var train = Points([1, 0.3f], [1, -0.3f], [1, 0.05f], [-1, 0]);
        var y = tensor(new long[] { 0, 0, 1, 1 });
        Assert.Equal(0L, KNearestNeighbours.Predict(train, y, query, k: 3).item<long>());
        // ...unless votes weigh exp(s/T): cos = 0.99875 vs 0.95783, and e^(0.0409/0.01) = 60 > 2 votes.
        var weighted = new KnnOptions { Voting = KnnVoting.Weighted, Temperature = 0.01 };
        Assert.Equal(1L, KNearestNeighbours.Predict(train, y, query, k: 3, weighted).item<long>());
        // At T = 0.07 the ratio is e^(0.584) = 1.8 < 2, so the pair still wins.
        Assert.Equal(0L, KNearestNeighbours.Predict(train, y, query, k: 3, weighted with { Temperature = 0.07 }).item<long>());
    }

    [Fact]
    public void Separated_clusters_are_classified_perfectly()
    {
        using var _ = NewDisposeScope();
        var (xTrain, yTrain) = LinearProbeTests.Blobs(1000, 16, 10, 4, seed: 1);
        var (xTest, yTest) = LinearProbeTests.Blobs(500, 16, 10, 4, seed: 2);
        var result = KNearestNeighbours.Accuracy(xTrain, yTrain, xTest, yTest, k: 20, forgetClasses: [3, 4]);
        Assert.Equal(1.0, result.Accuracy);
        Assert.Equal(1.0, result.ForgetClassAccuracy);
        Assert.Equal(1.0, result.RetainClassAccuracy);
        var weighted = KNearestNeighbours.Accuracy(xTrain, yTrain, xTest, yTest, k: 20, options: new KnnOptions { Voting = KnnVoting.Weighted });
        Assert.Equal(1.0, weighted.Accuracy);
    }

    [Fact]
    public void Random_labels_give_chance()
    {
        using var _ = NewDisposeScope();
        var (xTrain, _) = LinearProbeTests.Blobs(2000, 16, 10, 4, seed: 1);
        var (xTest, _) = LinearProbeTests.Blobs(1000, 16, 10, 4, seed: 2);
        var rng = new Random(3);
        var yTrain = tensor(Enumerable.Range(0, 2000).Select(_ => (long)rng.Next(10)).ToArray());
        var yTest = tensor(Enumerable.Range(0, 1000).Select(_ => (long)rng.Next(10)).ToArray());
        var result = KNearestNeighbours.Accuracy(xTrain, yTrain, xTest, yTest);
        Assert.InRange(result.Accuracy, 0.05, 0.16); // chance 0.10, standard error 0.01
    }

    [Fact]
    public void Chunking_changes_no_prediction()
    {
        using var _ = NewDisposeScope();
        var (xTrain, yTrain) = LinearProbeTests.Blobs(700, 8, 5, 0.5, seed: 1); // overlapping: many close calls
        var (xTest, _) = LinearProbeTests.Blobs(300, 8, 5, 0.5, seed: 2);
        var whole = KNearestNeighbours.Predict(xTrain, yTrain, xTest, k: 7);
        foreach (int rows in new[] { 1, 7, 128, 299, 300, 1000 })
        {
            var chunked = KNearestNeighbours.Predict(xTrain, yTrain, xTest, k: 7, new KnnOptions { ChunkRows = rows });
            Assert.True(whole.eq(chunked).all().item<bool>(), $"chunks of {rows} rows changed predictions");
        }
        Assert.Equal(ScalarType.Int64, whole.dtype);
        Assert.Equal(300, whole.shape[0]);
    }

    [Fact]
    public void Evaluate_scores_every_stage_with_the_class_count_of_the_logits()
    {
        using var _ = NewDisposeScope();
        StageFeatures Make(int seed)
        {
            var (a, y) = LinearProbeTests.Blobs(200, 8, 4, 4, seed);
            var (b, _) = LinearProbeTests.Blobs(200, 16, 4, 0, seed + 1);    // no class signal
            var stages = new Dictionary<string, Tensor> { ["early"] = b.DetachFromDisposeScope(), ["late"] = a.DetachFromDisposeScope() };
            return new StageFeatures(stages, zeros(200, 6).DetachFromDisposeScope(), y.DetachFromDisposeScope(), FeatureForm.Pooled);
        }
        using var train = Make(1);
        using var test = Make(2);
        var results = KNearestNeighbours.Evaluate(train, test, [1], k: 5);
        Assert.Equal(new[] { "early", "late" }, results.Keys);
        Assert.Equal(1.0, results["late"].Accuracy);
        Assert.InRange(results["early"].Accuracy, 0.1, 0.45);
        Assert.Equal(6, results["late"].PerClassAccuracy.Count);  // 6 logits: classes 4 and 5 absent, NaN
        Assert.True(double.IsNaN(results["late"].PerClassAccuracy[5]));
    }

    [Fact]
    public void Bad_inputs_are_refused()
    {
        using var _ = NewDisposeScope();
        var x = Points([1, 0], [0, 1]);
        var y = tensor(new long[] { 0, 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => KNearestNeighbours.Predict(x, y, x, k: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => KNearestNeighbours.Predict(x, y, x, k: 0));
        Assert.Contains("columns", Assert.Throws<ArgumentException>(() => KNearestNeighbours.Predict(x, y, Points([1, 0, 0]), k: 1)).Message);
        Assert.Contains("int64", Assert.Throws<ArgumentException>(() => KNearestNeighbours.Accuracy(x, y.to(ScalarType.Float32), x, y, k: 1)).Message);
        Assert.Contains("outside the classes", Assert.Throws<ArgumentException>(() =>
            KNearestNeighbours.Accuracy(x, y, x, y, k: 1, options: new KnnOptions { Classes = 1 })).Message);
        Assert.Contains("Forget class 2", Assert.Throws<ArgumentException>(() => KNearestNeighbours.Accuracy(x, y, x, y, k: 1, forgetClasses: [2])).Message);
        Assert.Contains("no rows", Assert.Throws<ArgumentException>(() => KNearestNeighbours.Accuracy(x, y, zeros(0, 2), zeros(0, dtype: ScalarType.Int64), k: 1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => KNearestNeighbours.Predict(x, y, x, k: 1, new KnnOptions { Voting = KnnVoting.Weighted, Temperature = 0 }));
    }
}
