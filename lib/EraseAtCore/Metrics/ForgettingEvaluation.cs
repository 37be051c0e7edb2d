using System.Diagnostics;
using EraseAtCore.Data;
using EraseAtCore.Models;
using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>Settings of a full evaluation; every field has the documented default.</summary>
public sealed record EvaluationOptions
{
    /// <summary>How stage outputs become feature vectors (pooled by default, as probes and k-NN use them).</summary>
    public FeatureForm Form { get; init; } = FeatureForm.Pooled;
    /// <summary>CKA kernel, debiasing and batching.</summary>
    public CkaSettings Cka { get; init; } = new();
    /// <summary>Linear-probe settings.</summary>
    public ProbeOptions Probe { get; init; } = new();
    /// <summary>Neighbours of the k-NN evaluation.</summary>
    public int KnnK { get; init; } = 20;
    /// <summary>
    /// Neighbours of a second k-NN read with UUEF's protocol (k = 5, cosine, the train split as reference set),
    /// beside the kit's k = 20; 0 skips it.
    /// </summary>
    public int UuefKnnK { get; init; } = 5;
    /// <summary>Signal of the membership-inference attack.</summary>
    public MiaFeature Mia { get; init; } = MiaFeature.Confidence;
    /// <summary>Seed of the MIA subsample and the probes.</summary>
    public int Seed { get; init; }
    /// <summary>Images per forward pass.</summary>
    public int BatchSize { get; init; } = 256;
}

/// <summary>Where the time of an evaluation went.</summary>
/// <param name="Extraction">Forward passes that produced the features (model on train and test, reference on test).</param>
/// <param name="Cka">All stages' CKA.</param>
/// <param name="Probes">All stages' linear probes.</param>
/// <param name="Knn">All stages' k-NN.</param>
/// <param name="Mia">The membership-inference attack.</param>
public sealed record EvaluationTimings(TimeSpan Extraction, TimeSpan Cka, TimeSpan Probes, TimeSpan Knn, TimeSpan Mia);

/// <summary>Every measure of one model on one forget request.</summary>
/// <param name="Logits">UA, RA, TA, forget-test and per-class accuracy.</param>
/// <param name="Mia">MIA-efficacy on the forget set.</param>
/// <param name="CkaToReference">Per stage, CKA between this model's and the reference model's test features (null without a reference).</param>
/// <param name="Probes">Per stage, linear-probe accuracy (overall, forget classes, retain classes) on the test set, probes fitted on the train set.</param>
/// <param name="Knn">Per stage, k-NN accuracy of test images against the train set.</param>
/// <param name="Timings">Where the time went.</param>
/// <param name="KnnUuef">Per stage, k-NN accuracy with <see cref="EvaluationOptions.UuefKnnK"/> neighbours (null when skipped).</param>
public sealed record ForgettingEvaluation(LogitMetrics Logits, MiaResult Mia, IReadOnlyDictionary<string, double>? CkaToReference,
    IReadOnlyDictionary<string, ProbeResult> Probes, IReadOnlyDictionary<string, KnnResult> Knn, EvaluationTimings Timings,
    IReadOnlyDictionary<string, KnnResult>? KnnUuef = null);

/// <summary>
/// Runs every metric of the kit on one model, computing each model's features once:
/// the model's stage features on the whole train set (probe-train set and k-NN index; all classes) and
/// on the whole test set (probe-test set, k-NN queries, CKA inputs), the reference's on the test set.
/// Logit-level accuracies and the MIA reuse the logits of the same passes.
/// </summary>
public static class ForgettingEvaluator
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="split"/>; CKA is computed when a <paramref name="reference"/> (usually the Original) is given.</summary>
    public static ForgettingEvaluation Evaluate(StagedModel model, ForgetSplit split, Feed feed,
        StagedModel? reference = null, EvaluationOptions? options = null)
    {
        options ??= new EvaluationOptions();
        using var referenceTest = reference is null ? null
            : FeatureExtractor.Extract(reference, split.Data.Test, feed, model.StageNames, options.Form, options.BatchSize);
        return Evaluate(model, split, feed, referenceTest, options);
    }

    /// <summary>
    /// Evaluates <paramref name="model"/> with the reference's test features already extracted (an experiment
    /// compares many models with one Original: its features are computed once). <paramref name="referenceTest"/>
    /// must come from <see cref="FeatureExtractor.Extract"/> on <c>split.Data.Test</c> with the same form.
    /// </summary>
    /// <param name="model">The model to evaluate.</param>
    /// <param name="split">The forget request.</param>
    /// <param name="feed">How images reach the model: normalisation and device.</param>
    /// <param name="referenceTest">The reference's test features for CKA, or null for none.</param>
    /// <param name="options">Metric settings.</param>
    /// <param name="withTestFeatures">Called with the model's test features before they are disposed, so a caller can
    /// compute more from them (CKA to a second reference, a projection) without another forward pass.</param>
    public static ForgettingEvaluation Evaluate(StagedModel model, ForgetSplit split, Feed feed,
        StageFeatures? referenceTest, EvaluationOptions? options = null, Action<StageFeatures>? withTestFeatures = null)
    {
        options ??= new EvaluationOptions();
        var clock = Stopwatch.StartNew();
        using var train = FeatureExtractor.Extract(model, split.Data.Train, feed, null, options.Form, options.BatchSize);
        using var test = FeatureExtractor.Extract(model, split.Data.Test, feed, null, options.Form, options.BatchSize);
        var extraction = clock.Elapsed;

        var logits = FromLogits(train, test, split);
        clock.Restart();
        var mia = Mia(train, test, split, options);
        var miaTime = clock.Elapsed;
        clock.Restart();
        var cka = referenceTest is null ? null : LayerwiseCka.Compare(test, referenceTest, options.Cka);
        var ckaTime = clock.Elapsed;
        clock.Restart();
        var probes = LinearProbe.Evaluate(train, test, split.ForgetClasses, options.Probe with { Seed = options.Seed });
        var probeTime = clock.Elapsed;
        clock.Restart();
        var knn = KNearestNeighbours.Evaluate(train, test, split.ForgetClasses, options.KnnK);
        var knnUuef = options.UuefKnnK > 0 ? KNearestNeighbours.Evaluate(train, test, split.ForgetClasses, options.UuefKnnK) : null;
        var knnTime = clock.Elapsed;
        withTestFeatures?.Invoke(test);
        return new ForgettingEvaluation(logits, mia, cka, probes, knn, new EvaluationTimings(extraction, ckaTime, probeTime, knnTime, miaTime), knnUuef);
    }

    // UA / RA / TA / forget-test from the logits already computed (no extra forward pass).
    static LogitMetrics FromLogits(StageFeatures train, StageFeatures test, ForgetSplit split)
    {
        var trainCorrect = Correct(train);
        var testCorrect = Correct(test);
        var isForgetTrain = new bool[trainCorrect.Length];
        foreach (var i in split.ForgetTrainIndices) isForgetTrain[i] = true;
        var forgetClass = new HashSet<int>(split.ForgetClasses);
        var testLabels = split.Data.Test.Labels;
        double Mean(IEnumerable<bool> xs) { int n = 0, k = 0; foreach (var x in xs) { n++; if (x) k++; } return n == 0 ? double.NaN : k / (double)n; }
        var perClass = Enumerable.Range(0, split.Data.ClassCount)
            .Select(c => Mean(Enumerable.Range(0, testCorrect.Length).Where(i => testLabels[i] == c).Select(i => testCorrect[i]))).ToArray();
        return new LogitMetrics(
            Mean(Enumerable.Range(0, trainCorrect.Length).Where(i => isForgetTrain[i]).Select(i => trainCorrect[i])),
            Mean(Enumerable.Range(0, trainCorrect.Length).Where(i => !isForgetTrain[i]).Select(i => trainCorrect[i])),
            Mean(Enumerable.Range(0, testCorrect.Length).Where(i => !forgetClass.Contains(testLabels[i])).Select(i => testCorrect[i])),
            Mean(Enumerable.Range(0, testCorrect.Length).Where(i => forgetClass.Contains(testLabels[i])).Select(i => testCorrect[i])),
            perClass);
    }

    static bool[] Correct(StageFeatures f)
    {
        using var scope = NewDisposeScope();
        return f.Logits.argmax(1).eq(f.Labels).data<bool>().ToArray();
    }

    // Members: retain training images; non-members: retain-class test images; attacked: the forget set.
    static MiaResult Mia(StageFeatures train, StageFeatures test, ForgetSplit split, EvaluationOptions options)
    {
        using var scope = NewDisposeScope();
        var isForget = new bool[train.Count];
        foreach (var i in split.ForgetTrainIndices) isForget[i] = true;
        var retainRows = tensor(Enumerable.Range(0, (int)train.Count).Where(i => !isForget[i]).Select(i => (long)i).ToArray());
        var forgetRows = tensor(split.ForgetTrainIndices.Select(i => (long)i).ToArray());
        var forgetClass = new HashSet<int>(split.ForgetClasses);
        var testRows = tensor(Enumerable.Range(0, (int)test.Count).Where(i => !forgetClass.Contains(split.Data.Test.Labels[i])).Select(i => (long)i).ToArray());
        return MembershipInference.Efficacy(
            train.Logits.index_select(0, retainRows), train.Labels.index_select(0, retainRows),
            test.Logits.index_select(0, testRows), test.Labels.index_select(0, testRows),
            train.Logits.index_select(0, forgetRows), train.Labels.index_select(0, forgetRows),
            options.Mia, options.Seed);
    }
}
