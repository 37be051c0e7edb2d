using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>How the k nearest neighbours of a test sample choose its class.</summary>
public enum KnnVoting
{
    /// <summary>
    /// One vote per neighbour; a tie in votes goes to the tied class whose neighbours have the larger summed
    /// cosine similarity (then to the smaller class index). This is what "k-NN accuracy" means in UUEF
    /// (sklearn <c>KNeighborsClassifier(metric='cosine')</c>, uniform weights), except that sklearn breaks
    /// vote ties by the smaller class index.
    /// </summary>
    Majority,
    /// <summary>
    /// Each neighbour votes exp(similarity / <see cref="KnnOptions.Temperature"/>): the weighted k-NN of
    /// Wu et al. 2018 (instance discrimination) used by DINO and most self-supervised evaluations.
    /// </summary>
    Weighted,
}

/// <summary>Settings of the k-NN classifier beyond k.</summary>
public sealed record KnnOptions
{
    /// <summary>Voting rule (default <see cref="KnnVoting.Majority"/>).</summary>
    public KnnVoting Voting { get; init; } = KnnVoting.Majority;
    /// <summary>Temperature of <see cref="KnnVoting.Weighted"/> voting (0.07, as in Wu et al. 2018 and DINO).</summary>
    public double Temperature { get; init; } = 0.07;
    /// <summary>
    /// Test rows compared with the whole train set at once. Null: as many as keep the similarity block at
    /// about 2^24 entries (64 MB of float32), so memory stays bounded however large the sets are.
    /// </summary>
    public int? ChunkRows { get; init; }
    /// <summary>Number of classes; null: one more than the largest train or test label.</summary>
    public int? Classes { get; init; }
}

/// <summary>k-NN accuracy of a feature space, overall and split into forget / retain classes.</summary>
/// <param name="Accuracy">Fraction of test samples whose predicted class is their label.</param>
/// <param name="ForgetClassAccuracy">Accuracy over test samples of the forget classes (NaN if none).</param>
/// <param name="RetainClassAccuracy">Accuracy over the other test samples (NaN if none).</param>
/// <param name="PerClassAccuracy">Accuracy of each class (NaN for a class absent from the test set).</param>
/// <param name="K">Number of neighbours used.</param>
public sealed record KnnResult(double Accuracy, double ForgetClassAccuracy, double RetainClassAccuracy,
    IReadOnlyList<double> PerClassAccuracy, int K);

/// <summary>
/// Cosine k-nearest-neighbour classification on fixed features: how well a representation still groups
/// images by class without training anything on it. Rows are L2-normalised, so the inner product is the
/// cosine similarity; the test set is processed in chunks of rows so a 50 000 x 50 000 comparison never
/// holds more than one chunk's similarity block. Train and test should be disjoint sets: a test image that
/// is also in the train set finds itself as its nearest neighbour.
/// </summary>
public static class KNearestNeighbours
{
    /// <summary>
    /// Classifies every test row by its <paramref name="k"/> most cosine-similar train rows and scores the result;
    /// the forget/retain split uses the test labels' membership in <paramref name="forgetClasses"/>.
    /// </summary>
    /// <param name="trainFeatures">n x d reference features (any floating dtype, any device).</param>
    /// <param name="trainLabels">n int64 labels of the reference rows.</param>
    /// <param name="testFeatures">m x d features to classify (moved chunk by chunk to the train features' device).</param>
    /// <param name="testLabels">m int64 labels of the test rows.</param>
    /// <param name="k">Neighbours per query, 1..n (20 by default, the usual choice of self-supervised evaluations).</param>
    /// <param name="forgetClasses">Classes reported as <see cref="KnnResult.ForgetClassAccuracy"/>; null or empty: none.</param>
    /// <param name="options">Voting rule, chunk size, class count.</param>
    public static KnnResult Accuracy(Tensor trainFeatures, Tensor trainLabels, Tensor testFeatures, Tensor testLabels,
        int k = 20, IReadOnlyCollection<int>? forgetClasses = null, KnnOptions? options = null)
    {
        options ??= new KnnOptions();
        MetricInputs.CheckLabels(trainLabels, MetricInputs.CheckMatrix(trainFeatures, nameof(trainFeatures)), nameof(trainLabels), nameof(trainFeatures));
        MetricInputs.CheckLabels(testLabels, MetricInputs.CheckMatrix(testFeatures, nameof(testFeatures)), nameof(testLabels), nameof(testFeatures));
        int classes = options.Classes ?? MetricInputs.InferClassCount(trainLabels, testLabels);
        var isForget = MetricInputs.ForgetMask(forgetClasses, classes, nameof(forgetClasses));
        using var predicted = Predict(trainFeatures, trainLabels, testFeatures, k, options with { Classes = classes });
        var split = MetricInputs.Accuracies(predicted.data<long>().ToArray(),
            MetricInputs.LabelArray(testLabels, classes, nameof(testLabels)), classes, isForget);
        return new KnnResult(split.Overall, split.Forget, split.Retain, split.PerClass, k);
    }

    /// <summary>The predicted class of every test row (CPU, int64), by the rule of <paramref name="options"/>.</summary>
    /// <param name="trainFeatures">n x d reference features.</param>
    /// <param name="trainLabels">n int64 labels of the reference rows.</param>
    /// <param name="testFeatures">m x d features to classify.</param>
    /// <param name="k">Neighbours per query, 1..n.</param>
    /// <param name="options">Voting rule, chunk size, class count.</param>
    public static Tensor Predict(Tensor trainFeatures, Tensor trainLabels, Tensor testFeatures, int k = 20, KnnOptions? options = null)
    {
        options ??= new KnnOptions();
        long n = MetricInputs.CheckMatrix(trainFeatures, nameof(trainFeatures));
        long m = MetricInputs.CheckMatrix(testFeatures, nameof(testFeatures));
        MetricInputs.CheckLabels(trainLabels, n, nameof(trainLabels), nameof(trainFeatures));
        if (testFeatures.shape[1] != trainFeatures.shape[1])
            throw new ArgumentException($"testFeatures have {testFeatures.shape[1]} columns but trainFeatures have {trainFeatures.shape[1]}.", nameof(testFeatures));
        if (k < 1 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and the number of train rows ({n}).");
        if (options.Voting == KnnVoting.Weighted && !(options.Temperature > 0))
            throw new ArgumentOutOfRangeException(nameof(options), options.Temperature, "The voting temperature must be positive.");
        if (options.ChunkRows is <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.ChunkRows, "ChunkRows must be positive.");
        int classes = options.Classes ?? MetricInputs.InferClassCount(trainLabels);
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(options), classes, "Classes must be positive.");
        _ = MetricInputs.LabelArray(trainLabels, classes, nameof(trainLabels)); // range check once, before any chunk

        long rows = Math.Clamp(options.ChunkRows ?? (1L << 24) / n, 1, m);
        var device = trainFeatures.device;
        using var outer = NewDisposeScope();
        var train = nn.functional.normalize(trainFeatures.to(ScalarType.Float32), p: 2, dim: 1);
        var trainY = trainLabels.to(device);
        var parts = new List<Tensor>();
        for (long start = 0; start < m; start += rows)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(rows, m - start);
            var query = nn.functional.normalize(testFeatures.narrow(0, start, count).to(ScalarType.Float32).to(device), p: 2, dim: 1);
            var (similarity, index) = query.matmul(train.t()).topk(k, dim: 1);
            var neighbourLabels = trainY.take(index);                               // count x k
            var sims = similarity.to(ScalarType.Float64);
            Tensor score;
            if (options.Voting == KnnVoting.Weighted)
            {
                score = zeros(count, classes, dtype: ScalarType.Float64, device: device)
                    .scatter_add_(1, neighbourLabels, (sims / options.Temperature).exp());
            }
            else
            {
                var votes = zeros(count, classes, dtype: ScalarType.Float64, device: device)
                    .scatter_add_(1, neighbourLabels, ones_like(sims));
                var summed = zeros(count, classes, dtype: ScalarType.Float64, device: device)
                    .scatter_add_(1, neighbourLabels, sims);
                // Votes dominate: one vote is worth 2k+2 while summed similarities span at most [-k, k],
                // so (votes, summed similarity) compare lexicographically in one exact float64 key.
                score = votes * (2.0 * k + 2) + (summed + k);
            }
            // argmax returns the first maximum, so remaining exact ties go to the smaller class index.
            parts.Add(score.argmax(1).MoveToOuterDisposeScope());
        }
        // One device-to-host copy at the end rather than one per chunk (each would synchronise a GPU).
        var all = cat(parts, 0).cpu();
        foreach (var p in parts) p.Dispose();
        return all.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// k-NN accuracy of every stage: train rows come from <paramref name="reference"/> (e.g. the train split's
    /// features), queries from <paramref name="queries"/> (e.g. the test split's), stage by stage.
    /// </summary>
    /// <param name="reference">Features whose rows vote.</param>
    /// <param name="queries">Features classified; must hold every stage of <paramref name="reference"/>.</param>
    /// <param name="forgetClasses">Classes reported separately (may be empty).</param>
    /// <param name="k">Neighbours per query.</param>
    /// <param name="options">Voting rule and chunk size; the class count defaults to the logits' width.</param>
    public static IReadOnlyDictionary<string, KnnResult> Evaluate(StageFeatures reference, StageFeatures queries,
        IReadOnlyCollection<int> forgetClasses, int k = 20, KnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(queries);
        options ??= new KnnOptions();
        options = options with { Classes = options.Classes ?? (int)reference.Logits.shape[1] };
        var results = new Dictionary<string, KnnResult>();
        foreach (var (stage, train) in reference.Stages)
        {
            if (!queries.Stages.TryGetValue(stage, out var test))
                throw new ArgumentException($"The query features have no stage '{stage}' (they have {string.Join(", ", queries.Stages.Keys)}).", nameof(queries));
            results[stage] = Accuracy(train, reference.Labels, test, queries.Labels, k, forgetClasses, options);
        }
        return results;
    }
}
