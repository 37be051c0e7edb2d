using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>
/// Settings of a linear probe. The fit is deterministic: weights start at zero and every step uses the whole
/// train set, so the seed only matters when <see cref="MaxTrainSamples"/> draws a subsample.
/// </summary>
public sealed record ProbeOptions
{
    /// <summary>L-BFGS iterations at most (100, scikit-learn's LogisticRegression default). Each costs about one pass over the features.</summary>
    public int MaxIterations { get; init; } = 100;
    /// <summary>
    /// L2 penalty λ of the objective mean cross-entropy + λ/2 ||W||² (bias not penalised). 1e-4 is scikit-learn's
    /// C = 1 at n = 10 000; it keeps the optimum finite when a stage separates the classes perfectly.
    /// </summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Stop once every gradient component is at most this in magnitude.</summary>
    public double GradientTolerance { get; init; } = 1e-5;
    /// <summary>Correction pairs L-BFGS remembers.</summary>
    public int History { get; init; } = 10;
    /// <summary>Fit on at most this many train rows, drawn with <see cref="Seed"/> (null: all). Bounds the cost of large flattened features.</summary>
    public int? MaxTrainSamples { get; init; }
    /// <summary>Seed of the <see cref="MaxTrainSamples"/> draw.</summary>
    public int Seed { get; init; }
    /// <summary>Device to fit on; null: the device of the train features.</summary>
    public Device? Device { get; init; }
}

/// <summary>Test accuracy of a linear probe, overall and split into forget / retain classes.</summary>
/// <param name="Accuracy">Fraction of test samples classified correctly.</param>
/// <param name="ForgetClassAccuracy">Accuracy over test samples of the forget classes (NaN if none).</param>
/// <param name="RetainClassAccuracy">Accuracy over the other test samples (NaN if none).</param>
/// <param name="PerClassAccuracy">Accuracy of each class (NaN for a class absent from the test set).</param>
public sealed record ProbeResult(double Accuracy, double ForgetClassAccuracy, double RetainClassAccuracy, IReadOnlyList<double> PerClassAccuracy);

/// <summary>
/// A fitted linear probe: standardisation (train mean and standard deviation) followed by a multinomial
/// logistic-regression layer. Owns its tensors; dispose it when done.
/// </summary>
public sealed class LinearProbeModel : IDisposable
{
    internal LinearProbeModel(Tensor mean, Tensor std, Tensor weight, Tensor bias, int iterations, double trainLoss, bool converged)
    {
        Mean = mean; Std = std; Weight = weight; Bias = bias;
        Iterations = iterations; TrainLoss = trainLoss; Converged = converged;
    }

    /// <summary>1 x d mean of the train features (float32).</summary>
    public Tensor Mean { get; }
    /// <summary>1 x d standard deviation of the train features; 1 for constant features (float32).</summary>
    public Tensor Std { get; }
    /// <summary>d x classes weights acting on standardised features (float32).</summary>
    public Tensor Weight { get; }
    /// <summary>Per-class bias (float32).</summary>
    public Tensor Bias { get; }
    /// <summary>Number of classes.</summary>
    public int Classes => (int)Weight.shape[1];
    /// <summary>Feature dimension d.</summary>
    public int Features => (int)Weight.shape[0];
    /// <summary>L-BFGS iterations run.</summary>
    public int Iterations { get; }
    /// <summary>Final value of the penalised objective on the train rows.</summary>
    public double TrainLoss { get; }
    /// <summary>Whether the fit stopped on a tolerance rather than on <see cref="ProbeOptions.MaxIterations"/>.</summary>
    public bool Converged { get; }

    /// <summary>The predicted class of every row of <paramref name="features"/> (n x d), as a CPU int64 vector.</summary>
    public Tensor Predict(Tensor features)
    {
        long n = MetricInputs.CheckMatrix(features, nameof(features));
        if (features.shape[1] != Features)
            throw new ArgumentException($"The probe was fitted on {Features} features per row, got {features.shape[1]}.", nameof(features));
        const long rows = 16384; // bounds the standardised copy for large flattened features
        using var outer = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += rows)
        {
            using var scope = NewDisposeScope();
            var x = features.narrow(0, start, Math.Min(rows, n - start)).to(ScalarType.Float32).to(Weight.device);
            parts.Add(((x - Mean) / Std).matmul(Weight).add_(Bias).argmax(1).cpu().MoveToOuterDisposeScope());
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Disposes the tensors held.</summary>
    public void Dispose()
    {
        Mean.Dispose(); Std.Dispose(); Weight.Dispose(); Bias.Dispose();
    }
}

/// <summary>
/// Linear probes on frozen features: how much class information a stage still holds in linearly decodable
/// form. Multinomial logistic regression on standardised features (mean and standard deviation of the
/// probe-train rows), fitted full-batch with L-BFGS (Armijo backtracking, weights from zero) on a
/// small-L2 objective - the scikit-learn LogisticRegression recipe, so results are comparable to the usual
/// sklearn probes and independent of any learning rate. Full-batch from zero makes the fit deterministic
/// (bit for bit on one machine with a fixed thread count: BLAS splits its sums by thread).
/// The loop reads a few scalars per iteration (loss, slope, curvature) for the line search; each iteration
/// is a whole pass over the features, so these reads are not a per-batch synchronisation.
/// </summary>
public static class LinearProbe
{
    /// <summary>Fits a probe of <paramref name="classes"/> classes on n x d features and their int64 labels.</summary>
    /// <param name="trainFeatures">n x d probe-train features (any floating dtype).</param>
    /// <param name="trainLabels">n int64 labels in [0, <paramref name="classes"/>).</param>
    /// <param name="classes">Number of classes of the dataset (classes absent from the train rows are allowed).</param>
    /// <param name="options">Iterations, L2 penalty, subsampling, device.</param>
    public static LinearProbeModel Fit(Tensor trainFeatures, Tensor trainLabels, int classes, ProbeOptions? options = null)
    {
        options ??= new ProbeOptions();
        long n = MetricInputs.CheckMatrix(trainFeatures, nameof(trainFeatures));
        MetricInputs.CheckLabels(trainLabels, n, nameof(trainLabels), nameof(trainFeatures));
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "A probe needs at least 2 classes.");
        CheckOptions(options);
        _ = MetricInputs.LabelArray(trainLabels, classes, nameof(trainLabels));

        var device = options.Device ?? trainFeatures.device;
        using var scope = NewDisposeScope();
        Tensor x = trainFeatures, y = trainLabels;
        if (options.MaxTrainSamples is int cap && cap < n)
        {
            var order = Enumerable.Range(0, (int)n).ToArray();
            new Random(options.Seed).Shuffle(order);
            var keep = tensor(order.Take(cap).Order().Select(i => (long)i).ToArray(), device: x.device);
            x = x.index_select(0, keep);
            y = y.index_select(0, keep.to(y.device));
            n = cap;
        }
        x = x.to(ScalarType.Float32).to(device);
        y = y.to(device);

        // Standardise with float64 statistics (float32 sums over 50 000 rows lose digits); constant features
        // get a deviation of 1 so they stay at zero rather than blowing up.
        var x64 = x.to(ScalarType.Float64);
        var mean = x64.mean([0], keepdim: true);
        var std = x64.std(0, unbiased: false, keepdim: true);
        std = where(std.lt(1e-6), ones_like(std), std);
        var mean32 = mean.to(ScalarType.Float32);
        var std32 = std.to(ScalarType.Float32);
        x64.Dispose();
        var z = (x - mean32) / std32;
        var target = nn.functional.one_hot(y, classes).to(ScalarType.Float32);
        var fit = new Objective(z, y, target, (int)z.shape[1], classes, options.WeightDecay);

        var (theta, f, iterations, converged) = Lbfgs(fit, options);
        long d = z.shape[1];
        var weight = theta.narrow(0, 0, d * classes).view(d, classes).clone();
        var bias = theta.narrow(0, d * classes, classes).clone();
        return new LinearProbeModel(mean32.DetachFromDisposeScope(), std32.DetachFromDisposeScope(),
            weight.DetachFromDisposeScope(), bias.DetachFromDisposeScope(), iterations, f, converged);
    }

    /// <summary>Scores a fitted probe on labelled features; forget/retain split by the true class.</summary>
    /// <param name="probe">A probe from <see cref="Fit"/>.</param>
    /// <param name="features">n x d test features.</param>
    /// <param name="labels">n int64 labels.</param>
    /// <param name="forgetClasses">Classes reported as <see cref="ProbeResult.ForgetClassAccuracy"/>; null or empty: none.</param>
    public static ProbeResult Score(LinearProbeModel probe, Tensor features, Tensor labels, IReadOnlyCollection<int>? forgetClasses = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        long n = MetricInputs.CheckMatrix(features, nameof(features));
        MetricInputs.CheckLabels(labels, n, nameof(labels), nameof(features));
        var isForget = MetricInputs.ForgetMask(forgetClasses, probe.Classes, nameof(forgetClasses));
        var truth = MetricInputs.LabelArray(labels, probe.Classes, nameof(labels));
        using var predicted = probe.Predict(features);
        var split = MetricInputs.Accuracies(predicted.data<long>().ToArray(), truth, probe.Classes, isForget);
        return new ProbeResult(split.Overall, split.Forget, split.Retain, split.PerClass);
    }

    /// <summary>
    /// Fits one probe per stage on <paramref name="probeTrain"/> (all classes, forgotten ones included: the
    /// question is whether the forgotten classes are still decodable) and scores it on <paramref name="probeTest"/>.
    /// Works on cached features only; no image passes. Stages come out in the order of <paramref name="probeTrain"/>.
    /// </summary>
    /// <param name="probeTrain">Features the probes are fitted on (e.g. a held-out part of the train split).</param>
    /// <param name="probeTest">Features the probes are scored on; must hold every stage of <paramref name="probeTrain"/>.</param>
    /// <param name="forgetClasses">Forgotten classes (empty for sample-wise forgetting).</param>
    /// <param name="options">Probe settings shared by every stage.</param>
    public static IReadOnlyDictionary<string, ProbeResult> Evaluate(StageFeatures probeTrain, StageFeatures probeTest,
        IReadOnlyCollection<int> forgetClasses, ProbeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(probeTrain);
        ArgumentNullException.ThrowIfNull(probeTest);
        ArgumentNullException.ThrowIfNull(forgetClasses);
        int classes = (int)probeTrain.Logits.shape[1];
        var results = new Dictionary<string, ProbeResult>();
        foreach (var (stage, train) in probeTrain.Stages)
        {
            if (!probeTest.Stages.TryGetValue(stage, out var test))
                throw new ArgumentException($"The probe-test features have no stage '{stage}' (they have {string.Join(", ", probeTest.Stages.Keys)}).", nameof(probeTest));
            using var probe = Fit(train, probeTrain.Labels, classes, options);
            results[stage] = Score(probe, test, probeTest.Labels, forgetClasses);
        }
        return results;
    }

    static void CheckOptions(ProbeOptions o)
    {
        if (o.MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(o.MaxIterations), o.MaxIterations, "At least one iteration is needed.");
        if (!(o.WeightDecay >= 0) || double.IsInfinity(o.WeightDecay)) throw new ArgumentOutOfRangeException(nameof(o.WeightDecay), o.WeightDecay, "WeightDecay must be finite and non-negative.");
        if (!(o.GradientTolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(o.GradientTolerance), o.GradientTolerance, "GradientTolerance must be non-negative.");
        if (o.History < 1) throw new ArgumentOutOfRangeException(nameof(o.History), o.History, "History must be at least 1.");
        if (o.MaxTrainSamples is < 1) throw new ArgumentOutOfRangeException(nameof(o.MaxTrainSamples), o.MaxTrainSamples, "MaxTrainSamples must be positive.");
    }

    /// <summary>Penalised mean cross-entropy of a flat parameter vector [W (d x C, row-major); b (C)], with its gradient.</summary>
    sealed class Objective(Tensor z, Tensor y, Tensor target, int d, int classes, double decay)
    {
        readonly double _n = z.shape[0];

        /// <summary>Loss (0-dim float64) and gradient (flat, float32) at <paramref name="theta"/>; tensors in the current scope.</summary>
        public (Tensor Loss, Tensor Gradient) Evaluate(Tensor theta)
        {
            var w = theta.narrow(0, 0, (long)d * classes).view(d, classes);
            var b = theta.narrow(0, (long)d * classes, classes);
            var logp = z.matmul(w).add_(b).log_softmax(1);
            var loss = logp.gather(1, y.unsqueeze(1)).to(ScalarType.Float64).sum().neg().div(_n)
                .add(w.to(ScalarType.Float64).square().sum().mul(0.5 * decay));
            var g = logp.exp().sub_(target).div_(_n);                       // d(mean CE)/d(logits)
            var gw = z.t().matmul(g).add_(w, alpha: decay);
            return (loss, cat([gw.flatten(), g.sum(dim: 0)], 0));
        }

        /// <summary>Number of parameters.</summary>
        public long Size => ((long)d + 1) * classes;

        /// <summary>Where the features live (and the parameters must).</summary>
        public Device Device => z.device;
    }

    /// <summary>
    /// L-BFGS (two-loop recursion, Nocedal and Wright Alg. 7.4) with Armijo backtracking from a unit step.
    /// Survivors of an iteration (parameters, gradient, correction pairs) live in the caller's scope and are
    /// disposed when replaced; everything else dies with the iteration's scope.
    /// </summary>
    static (Tensor Theta, double Loss, int Iterations, bool Converged) Lbfgs(Objective objective, ProbeOptions options)
    {
        var theta = zeros(objective.Size, dtype: ScalarType.Float32, device: objective.Device);
        var (loss0, g) = objective.Evaluate(theta);
        double f = loss0.item<double>();
        var s = new List<Tensor>(); var yv = new List<Tensor>(); var rho = new List<double>();
        int iteration = 0;
        bool converged = false;
        for (; iteration < options.MaxIterations; iteration++)
        {
            if (g.abs().max().item<float>() <= options.GradientTolerance) { converged = true; break; }
            using var step = NewDisposeScope();
            var direction = TwoLoop(g, s, yv, rho);
            double slope = Scalar(g.dot(direction));
            if (!(slope < 0))
            {
                // Not a descent direction (curvature information gone stale): restart from steepest descent.
                foreach (var t in s.Concat(yv)) t.Dispose();
                s.Clear(); yv.Clear(); rho.Clear();
                direction = TwoLoop(g, s, yv, rho);
                slope = Scalar(g.dot(direction));
            }
            Tensor? next = null, nextG = null;
            double nextF = f;
            for (double t = 1; t > 1e-10; t *= 0.5)
            {
                var candidate = theta.add(direction, alpha: t);
                var (loss, grad) = objective.Evaluate(candidate);
                double value = loss.item<double>();
                if (value <= f + 1e-4 * t * slope) { next = candidate; nextG = grad; nextF = value; break; }
            }
            if (next is null || nextG is null) { converged = true; break; } // no decrease left at float32 precision
            var sNew = next.sub(theta);
            var yNew = nextG.sub(g);
            double sy = Scalar(sNew.dot(yNew));
            if (sy > 1e-10)
            {
                s.Add(sNew.MoveToOuterDisposeScope()); yv.Add(yNew.MoveToOuterDisposeScope()); rho.Add(1 / sy);
                if (s.Count > options.History) { s[0].Dispose(); yv[0].Dispose(); s.RemoveAt(0); yv.RemoveAt(0); rho.RemoveAt(0); }
            }
            theta.Dispose(); g.Dispose();
            theta = next.MoveToOuterDisposeScope(); g = nextG.MoveToOuterDisposeScope();
            bool flat = Math.Abs(f - nextF) <= 1e-10 * Math.Max(1, Math.Abs(f));
            f = nextF;
            if (flat) { converged = true; iteration++; break; }
        }
        foreach (var t in s.Concat(yv)) t.Dispose();
        return (theta, f, iteration, converged);
    }

    /// <summary>A float32 scalar tensor read as a double (one host synchronisation).</summary>
    static double Scalar(Tensor t) => t.item<float>();

    /// <summary>-H g by the two-loop recursion; with no history, steepest descent scaled to a unit L1 step at most.</summary>
    static Tensor TwoLoop(Tensor g, List<Tensor> s, List<Tensor> y, List<double> rho)
    {
        if (s.Count == 0) return g.mul(-Math.Min(1.0, 1.0 / Scalar(g.abs().sum())));
        var q = g.neg();
        var alpha = new Tensor[s.Count];
        for (int i = s.Count - 1; i >= 0; i--)
        {
            alpha[i] = s[i].dot(q).mul(rho[i]);
            q = q.sub(y[i].mul(alpha[i]));
        }
        int last = s.Count - 1;
        var r = q.mul(s[last].dot(y[last]).div(y[last].dot(y[last])));   // initial Hessian γI, γ = sᵀy / yᵀy
        for (int i = 0; i < s.Count; i++)
        {
            var beta = y[i].dot(r).mul(rho[i]);
            r = r.add(s[i].mul(alpha[i].sub(beta)));
        }
        return r;
    }
}
