using EraseAtCore.Data;
using EraseAtCore.Models;
using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>
/// What the membership attack sees of each sample, derived from the softmax output p and the true label y
/// (four of the five signals of SalUn's <c>SVC_MIA</c>, after Song and Mittal 2021, "Systematic evaluation of
/// privacy risks of machine learning models"). SalUn's fifth, the raw probability vector, is left out: a linear
/// attack on it cannot tell "confident in any class" (vertices of the simplex) from "diffuse" (its centre).
/// </summary>
public enum MiaFeature
{
    /// <summary>1 if argmax p = y, else 0.</summary>
    Correctness,
    /// <summary>p_y, the probability of the true class: the attack SalUn-derived evaluation code reports as "MIA-efficacy".</summary>
    Confidence,
    /// <summary>Shannon entropy -Σ p_i log p_i (label-free).</summary>
    Entropy,
    /// <summary>
    /// Modified entropy of Song and Mittal 2021: -(1 - p_y) log p_y - Σ_{i≠y} p_i log(1 - p_i); low for confident,
    /// correct predictions and high for confident, wrong ones (unlike entropy, which cannot tell them apart).
    /// </summary>
    ModifiedEntropy,
}

/// <summary>Outcome of the MIA-efficacy measurement.</summary>
/// <param name="Efficacy">Fraction of forget samples the attack judges non-members, in [0, 1]; higher = more forgotten.</param>
/// <param name="TrainAccuracy">Accuracy of the attack on its own balanced training set (0.5 = it learned nothing).</param>
/// <param name="Members">Retain samples used as members (label 1).</param>
/// <param name="NonMembers">Test samples used as non-members (label 0); equal to <paramref name="Members"/>.</param>
/// <param name="Forget">Forget samples judged.</param>
/// <param name="Feature">Signal the attack used.</param>
public sealed record MiaResult(double Efficacy, double TrainAccuracy, int Members, int NonMembers, int Forget, MiaFeature Feature);

/// <summary>
/// MIA-efficacy, the membership-inference measure of unlearning of Jia et al. 2023 ("Model sparsity can simplify
/// machine unlearning") used by SalUn and UUEF (their <c>SVC_MIA</c> with <c>target_train=None</c>): a membership
/// classifier is trained on retain-train samples (members, 1) against test samples (non-members, 0), both
/// described by one <see cref="MiaFeature"/> of the model's softmax output, then applied to the forget set;
/// the efficacy is the fraction of forget samples predicted non-member.
/// <para>
/// Non-members are the test images of the retained classes (<see cref="ForgetSplit.Test"/>.Retain): SalUn drops
/// the forgotten class from its test set for class-wise forgetting and keeps the whole test set for random
/// (sample-wise) forgetting, which is exactly what Test.Retain holds in either case.
/// </para>
/// <para>
/// Deviations from SalUn, all deliberate. (1) The classifier is L2-regularised logistic regression (λ = 1e-4,
/// Newton's method with backtracking, float64, standardised features) instead of scikit-learn's RBF
/// <c>SVC(C=3, gamma='auto')</c>: deterministic, dependency-free, and on the one-dimensional signals a single
/// threshold - the form of Song and Mittal's metric-based attacks these signals come from - where the RBF
/// SVM may carve intervals. Numbers therefore differ somewhat from SalUn's. (2) The threshold is fitted on a
/// monotone rescaling of the signal (logit of the confidence, log of the entropies; see <see cref="Features"/>
/// for the signals themselves): the same family of thresholds, but on a scale where the logistic fit is not
/// dragged by the long tails of raw confidences near 1; SalUn's SVM sees raw values. (3) Members are a seeded
/// random subsample of the retain set of the test set's size (or the test set is subsampled when it is the
/// larger); SalUn takes the first |test| retain images in dataset order. (4) Modified entropy follows the
/// paper's formula; SalUn's <c>m_entropy</c> indexes <c>p[:, labels]</c> (whole columns, not each row's label)
/// and uses log p where log(1 - p) is meant. Logs are clamped at log(1e-30) as SalUn does.
/// </para>
/// <para>
/// Reading the number: it is the attack's non-member rate on the forget set, so it depends on how well the
/// attack separates retain from test at all. A Retrain model on random forgetting sits near the attack's
/// non-member rate on test images (low when the model generalises), not near 1; compare methods with
/// Retrain's value, as SalUn does. When the signal carries no membership information the threshold falls
/// near the middle of the shared distribution and the efficacy near 0.5 - except for
/// <see cref="MiaFeature.Correctness"/>, whose threshold then splits 0 from 1 in an arbitrary direction.
/// </para>
/// </summary>
public static class MembershipInference
{
    /// <summary>Ridge on the attack's weights (not the intercept): keeps Newton finite when members and non-members separate perfectly.</summary>
    const double Ridge = 1e-4;
    const double LogFloor = 1e-30;

    /// <summary>
    /// MIA-efficacy from logits: members = retain, non-members = test (balanced to equal counts with
    /// <paramref name="seed"/>), judged = forget. Logits n x classes (any floating dtype), labels int64.
    /// </summary>
    /// <param name="retainLogits">Logits of retain-train images (members).</param>
    /// <param name="retainLabels">Their labels.</param>
    /// <param name="testLogits">Logits of test images of the retained classes (non-members).</param>
    /// <param name="testLabels">Their labels.</param>
    /// <param name="forgetLogits">Logits of the forget images.</param>
    /// <param name="forgetLabels">Their labels.</param>
    /// <param name="feature">Signal the attack uses (default <see cref="MiaFeature.Confidence"/>, the one SalUn reports).</param>
    /// <param name="seed">Seed of the balancing subsample.</param>
    public static MiaResult Efficacy(Tensor retainLogits, Tensor retainLabels, Tensor testLogits, Tensor testLabels,
        Tensor forgetLogits, Tensor forgetLabels, MiaFeature feature = MiaFeature.Confidence, int seed = 0)
    {
        int classes = CheckSet(retainLogits, retainLabels, nameof(retainLogits), nameof(retainLabels), null);
        CheckSet(testLogits, testLabels, nameof(testLogits), nameof(testLabels), classes);
        CheckSet(forgetLogits, forgetLabels, nameof(forgetLogits), nameof(forgetLabels), classes);
        if (!Enum.IsDefined(feature)) throw new ArgumentOutOfRangeException(nameof(feature), feature, "Unknown MIA feature.");

        int nRetain = (int)retainLogits.shape[0], nTest = (int)testLogits.shape[0];
        int keep = Math.Min(nRetain, nTest);
        var rng = new Random(seed);
        var memberRows = Draw(nRetain, keep, rng);
        var nonMemberRows = Draw(nTest, keep, rng);

        using var scope = NewDisposeScope();
        var members = Rows(AttackInput(retainLogits, retainLabels, feature), memberRows);
        var nonMembers = Rows(AttackInput(testLogits, testLabels, feature), nonMemberRows);
        var forget = AttackInput(forgetLogits, forgetLabels, feature);

        int d = (int)members.shape[1];
        var x = cat([members, nonMembers], 0).data<double>().ToArray();
        var y = new double[2 * keep];
        for (int i = 0; i < keep; i++) y[i] = 1;
        var attack = Logistic.Fit(x, y, d);

        int trainCorrect = 0;
        for (int i = 0; i < y.Length; i++)
            if (attack.IsMember(x, i) == (y[i] == 1)) trainCorrect++;
        var f = forget.data<double>().ToArray();
        int nForget = (int)forgetLogits.shape[0], judgedNonMember = 0;
        for (int i = 0; i < nForget; i++)
            if (!attack.IsMember(f, i)) judgedNonMember++;
        return new MiaResult(judgedNonMember / (double)nForget, trainCorrect / (double)y.Length, keep, keep, nForget, feature);
    }

    /// <summary>
    /// MIA-efficacy of a model on a forget split: members from <c>split.Train.Retain</c>, non-members from
    /// <c>split.Test.Retain</c>, judged <c>split.Train.Forget</c>. Only the images the balanced attack uses are
    /// run through the model; the result equals <see cref="Efficacy(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, MiaFeature, int)"/>
    /// on the logits of the whole sets with the same seed.
    /// </summary>
    /// <param name="model">Model under evaluation (its train/eval mode is restored).</param>
    /// <param name="split">The forget request.</param>
    /// <param name="feed">How images reach the model: normalisation and device.</param>
    /// <param name="feature">Signal the attack uses.</param>
    /// <param name="seed">Seed of the balancing subsample.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    public static MiaResult Efficacy(StagedModel model, ForgetSplit split, Feed feed,
        MiaFeature feature = MiaFeature.Confidence, int seed = 0, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        var retain = split.Train.Retain;
        var test = split.Test.Retain;
        if (retain.Count == 0 || test.Count == 0 || split.Train.Forget.Count == 0)
            throw new ArgumentException($"MIA-efficacy needs retain, test and forget images; {split} has {retain.Count}, {test.Count} and {split.Train.Forget.Count}.", nameof(split));
        // Same draws as the tensor overload: with equal counts it takes every row in order, consuming no randomness.
        int keep = Math.Min(retain.Count, test.Count);
        var rng = new Random(seed);
        var memberRows = Draw(retain.Count, keep, rng);
        var nonMemberRows = Draw(test.Count, keep, rng);
        using var members = FeatureExtractor.Extract(model, retain.Subset(memberRows), feed, [], batchSize: batchSize);
        using var nonMembers = FeatureExtractor.Extract(model, test.Subset(nonMemberRows), feed, [], batchSize: batchSize);
        using var forget = FeatureExtractor.Extract(model, split.Train.Forget, feed, [], batchSize: batchSize);
        return Efficacy(members.Logits, members.Labels, nonMembers.Logits, nonMembers.Labels,
            forget.Logits, forget.Labels, feature, seed);
    }

    /// <summary>
    /// The signal of each sample as <see cref="MiaFeature"/> defines it (a probability, or an entropy in nats):
    /// an n x 1 float64 column on the CPU. The attack fits its threshold on a monotone rescaling of it.
    /// </summary>
    /// <param name="logits">n x classes logits.</param>
    /// <param name="labels">n int64 true labels.</param>
    /// <param name="feature">Which signal.</param>
    public static Tensor Features(Tensor logits, Tensor labels, MiaFeature feature)
    {
        CheckSet(logits, labels, nameof(logits), nameof(labels), null);
        using var scope = NewDisposeScope();
        // float64 from the start: p_y of a confident member is 1 - 1e-9, which float32 rounds to exactly 1.
        var logp = logits.cpu().to(ScalarType.Float64).log_softmax(1);
        var p = logp.exp();
        var y = labels.cpu().unsqueeze(1);
        var floor = Math.Log(LogFloor);
        Tensor result = feature switch
        {
            MiaFeature.Correctness => logp.argmax(1, keepdim: true).eq(y).to(ScalarType.Float64),
            MiaFeature.Confidence => p.gather(1, y),
            MiaFeature.Entropy => p.mul(logp.clamp_min(floor)).sum(1, keepdim: true).neg(),
            MiaFeature.ModifiedEntropy => ModifiedEntropy(p, logp.clamp_min(floor), y),
            _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, "Unknown MIA feature."),
        };
        return result.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The signal on the scale the attack fits its threshold on: a monotone map of <see cref="Features"/>, so the
    /// attack is the same family of single thresholds, but on a scale where member and non-member values are
    /// roughly Gaussian (so the logistic fit puts the threshold where accuracy is best, not where a long tail
    /// drags it). Confidence becomes the logit log p_y - log(1 - p_y) computed from the logits as
    /// z_y - logsumexp_{i≠y} z_i (the "stable logit scaling" of LiRA, Carlini et al. 2022): p_y of confident
    /// members differs from 1 only beyond float64's reach. Entropies become their logarithm (floored at 1e-30).
    /// </summary>
    static Tensor AttackInput(Tensor logits, Tensor labels, MiaFeature feature)
    {
        if (feature is MiaFeature.Correctness) return Features(logits, labels, feature);
        if (feature is MiaFeature.Entropy or MiaFeature.ModifiedEntropy)
        {
            using var raw = Features(logits, labels, feature);
            return raw.clamp_min(LogFloor).log();
        }
        using var scope = NewDisposeScope();
        var z = logits.cpu().to(ScalarType.Float64);
        var y = labels.cpu().unsqueeze(1);
        var others = z.scatter(1, y, full_like(z, double.NegativeInfinity)).logsumexp(1, keepdim: true);
        return z.gather(1, y).sub(others).contiguous().MoveToOuterDisposeScope();
    }

    static Tensor ModifiedEntropy(Tensor p, Tensor logp, Tensor y)
    {
        var pY = p.gather(1, y);
        var logOneMinus = (1 - p).clamp_min(LogFloor).log();                     // log(1 - p_i), floored
        var others = p.mul(logOneMinus).sum(1, keepdim: true) - pY.mul(logOneMinus.gather(1, y));
        return (1 - pY).mul(logp.gather(1, y)).neg() - others;
    }

    /// <summary>Checks logits and labels of one set; returns the class count (the logits' width).</summary>
    static int CheckSet(Tensor logits, Tensor labels, string logitsName, string labelsName, int? classes)
    {
        long n = MetricInputs.CheckMatrix(logits, logitsName);
        MetricInputs.CheckLabels(labels, n, labelsName, logitsName);
        int width = (int)logits.shape[1];
        if (classes is int c && width != c)
            throw new ArgumentException($"{logitsName} has {width} classes but the retain logits have {c}.", logitsName);
        if (width < 2) throw new ArgumentException($"{logitsName} must have at least 2 classes, got {width}.", logitsName);
        _ = MetricInputs.LabelArray(labels, width, labelsName);
        return width;
    }

    /// <summary><paramref name="keep"/> of <paramref name="count"/> row indices, ascending; all of them (no draw) when keep = count.</summary>
    static int[] Draw(int count, int keep, Random rng)
    {
        var order = Enumerable.Range(0, count).ToArray();
        if (keep == count) return order;
        rng.Shuffle(order);
        return order.Take(keep).Order().ToArray();
    }

    static Tensor Rows(Tensor features, int[] rows) =>
        rows.Length == features.shape[0] ? features : features.index_select(0, tensor(rows.Select(i => (long)i).ToArray()));

    /// <summary>
    /// Binary L2-regularised logistic regression on standardised features: minimises mean log-loss + λ/2 ||w||²
    /// (intercept free) by Newton's method with backtracking, in float64 on plain arrays (row-major n x d; d = 1 today).
    /// </summary>
    sealed class Logistic
    {
        readonly double[] _mean, _scale, _w; // _w[0] = intercept, _w[1..d] on standardised features
        readonly int _d;

        Logistic(double[] mean, double[] scale, double[] w, int d) { _mean = mean; _scale = scale; _w = w; _d = d; }

        /// <summary>Member iff the decision value is positive (as scikit-learn's predict: 0 goes to the first class, non-member).</summary>
        public bool IsMember(double[] x, int row)
        {
            double s = _w[0];
            for (int j = 0; j < _d; j++) s += _w[j + 1] * (x[row * _d + j] - _mean[j]) / _scale[j];
            return s > 0;
        }

        public static Logistic Fit(double[] raw, double[] y, int d)
        {
            int n = y.Length, p = d + 1;
            var mean = new double[d];
            var scale = new double[d];
            for (int j = 0; j < d; j++)
            {
                double m = 0;
                for (int i = 0; i < n; i++) m += raw[i * d + j];
                m /= n;
                double v = 0;
                for (int i = 0; i < n; i++) v += (raw[i * d + j] - m) * (raw[i * d + j] - m);
                double sd = Math.Sqrt(v / n);
                mean[j] = m; scale[j] = sd > 1e-12 ? sd : 1; // a constant feature carries no signal: leave it at 0
            }
            var x = new double[n * p];                       // design with a leading 1 for the intercept
            for (int i = 0; i < n; i++)
            {
                x[i * p] = 1;
                for (int j = 0; j < d; j++) x[i * p + j + 1] = (raw[i * d + j] - mean[j]) / scale[j];
            }

            var w = new double[p];
            double loss = Loss(x, y, w, p);
            var g = new double[p];
            var h = new double[p * p];
            for (int iteration = 0; iteration < 100; iteration++)
            {
                Array.Clear(g); Array.Clear(h);
                for (int i = 0; i < n; i++)
                {
                    double s = 0;
                    for (int j = 0; j < p; j++) s += w[j] * x[i * p + j];
                    double q = Sigmoid(s), r = q * (1 - q);
                    for (int j = 0; j < p; j++)
                    {
                        double xj = x[i * p + j];
                        g[j] += (q - y[i]) * xj;
                        for (int k = 0; k <= j; k++) h[j * p + k] += r * xj * x[i * p + k];
                    }
                }
                double gmax = 0;
                for (int j = 0; j < p; j++)
                {
                    g[j] = g[j] / n + (j > 0 ? Ridge * w[j] : 0);
                    for (int k = 0; k <= j; k++) h[j * p + k] /= n;
                    h[j * p + j] += j > 0 ? Ridge : 1e-12;
                    gmax = Math.Max(gmax, Math.Abs(g[j]));
                }
                if (gmax < 1e-9) break;
                var step = CholeskySolve(h, g, p);
                double slope = 0;                                  // gᵀH⁻¹g, the squared Newton decrement
                for (int j = 0; j < p; j++) slope += g[j] * step[j];
                // Half the Newton decrement estimates the loss still to gain; below 1e-14 (about the rounding of a
                // 20 000-term mean) further steps only chase noise in the last digits.
                if (slope < 2e-14) break;
                var trial = new double[p];
                bool moved = false;
                for (double t = 1; t > 1e-6; t *= 0.5)
                {
                    for (int j = 0; j < p; j++) trial[j] = w[j] - t * step[j];
                    double candidate = Loss(x, y, trial, p);
                    if (candidate < loss - 1e-4 * t * slope) { Array.Copy(trial, w, p); loss = candidate; moved = true; break; }
                }
                if (!moved) break; // no decrease left at float64 precision
            }
            return new Logistic(mean, scale, w, d);
        }

        static double Sigmoid(double s) => s >= 0 ? 1 / (1 + Math.Exp(-s)) : Math.Exp(s) / (1 + Math.Exp(s));

        static double Loss(double[] x, double[] y, double[] w, int p)
        {
            int n = y.Length;
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                for (int j = 0; j < p; j++) s += w[j] * x[i * p + j];
                // log(1 + e^s) - y s, computed without overflow
                total += (s > 0 ? s + Math.Log(1 + Math.Exp(-s)) : Math.Log(1 + Math.Exp(s))) - y[i] * s;
            }
            double penalty = 0;
            for (int j = 1; j < p; j++) penalty += w[j] * w[j];
            return total / n + 0.5 * Ridge * penalty;
        }

        /// <summary>Solves H z = g for a symmetric positive-definite H given by its lower triangle.</summary>
        static double[] CholeskySolve(double[] h, double[] g, int p)
        {
            var l = new double[p * p];
            for (int j = 0; j < p; j++)
            {
                double diag = h[j * p + j];
                for (int k = 0; k < j; k++) diag -= l[j * p + k] * l[j * p + k];
                l[j * p + j] = Math.Sqrt(Math.Max(diag, 1e-300));
                for (int i = j + 1; i < p; i++)
                {
                    double v = h[i * p + j];
                    for (int k = 0; k < j; k++) v -= l[i * p + k] * l[j * p + k];
                    l[i * p + j] = v / l[j * p + j];
                }
            }
            var z = new double[p];
            for (int i = 0; i < p; i++)
            {
                double v = g[i];
                for (int k = 0; k < i; k++) v -= l[i * p + k] * z[k];
                z[i] = v / l[i * p + i];
            }
            for (int i = p - 1; i >= 0; i--)
            {
                double v = z[i];
                for (int k = i + 1; k < p; k++) v -= l[k * p + i] * z[k];
                z[i] = v / l[i * p + i];
            }
            return z;
        }
    }
}
