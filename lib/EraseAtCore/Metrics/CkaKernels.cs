using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>
/// The n x n (Gram-matrix) side of CKA: linear and RBF kernels, centring, and the biased and unbiased
/// HSIC estimators. Inputs are n x d (any float dtype), Gram matrices are float64 on the input's device.
/// Memory is O(n^2): fine for a batch of 512 or a few thousand images; for large n, linear CKA has an
/// O(d^2) feature-space form (<see cref="LinearCkaAccumulator"/>).
/// </summary>
public static class CkaKernels
{
    /// <summary>
    /// The linear Gram matrix Xc Xc^T in float64, with the columns of X centred first. Centring does not
    /// change the centred Gram H K H that CKA uses (nor the unbiased HSIC), and it keeps the entries small
    /// so the float error of the later subtractions stays small.
    /// </summary>
    public static Tensor LinearGram(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xc = CenterColumns(x);
        return xc.matmul(xc.t()).MoveToOuterDisposeScope();
    }

    /// <summary>Squared Euclidean distances between the rows of X (n x n, float64, exact zeros on the diagonal).</summary>
    public static Tensor SquaredDistances(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xc = CenterColumns(x);   // distances are shift-invariant; centring shrinks |x|^2 and so the cancellation error
        var gram = xc.matmul(xc.t());
        var norms = gram.diagonal();
        // |xi - xj|^2 = |xi|^2 + |xj|^2 - 2 xi.xj, which float error can push slightly below zero. In place on the
        // sum (2 xi.xj is exact, so this rounds exactly as the out-of-place expression): at n = 10 000 every n x n
        // temporary is 800 MB, and allocating and first touching them cost more than the arithmetic.
        var d = norms.unsqueeze(1) + norms.unsqueeze(0);
        d.add_(gram, alpha: -2).clamp_min_(0);
        d.diagonal().zero_();
        return d.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The median Euclidean distance between rows of X, over the pairs i &lt; j at a non-zero distance; the
    /// lower median when the count is even (torch.median). This is UUEF's bandwidth (CudaCKA.rbf: median of the
    /// non-zero squared distances, then the square root). Kornblith et al.'s code takes the median over all n^2
    /// entries including the n zeros of the diagonal, a slightly smaller value for small n. NaN when all rows
    /// are identical.
    /// </summary>
    public static double MedianDistance(Tensor x)
    {
        using var scope = NewDisposeScope();
        return MedianDistanceOf(SquaredDistances(x));
    }

    /// <summary>
    /// The RBF (Gaussian) Gram matrix exp(-|xi - xj|^2 / (2 sigma^2)) with sigma = <paramref name="sigmaFraction"/>
    /// times <see cref="MedianDistance"/> of X (the "fraction of the median distance" heuristic of Kornblith et al.
    /// 2019; UUEF uses fraction 1). All NaN when every row is the same point (no distance to take a median of).
    /// </summary>
    public static Tensor RbfGram(Tensor x, double sigmaFraction = 1.0)
    {
        if (!(sigmaFraction > 0) || double.IsInfinity(sigmaFraction))
            throw new ArgumentException($"The RBF bandwidth fraction must be a positive number, not {sigmaFraction}.", nameof(sigmaFraction));
        using var scope = NewDisposeScope();
        var d = SquaredDistances(x);
        double sigma = sigmaFraction * MedianDistanceOf(d);
        return d.div_(-2 * sigma * sigma).exp_().MoveToOuterDisposeScope();
    }

    /// <summary>The doubly centred Gram matrix H K H (H = I - 11^T/n), computed in O(n^2) without forming H.</summary>
    public static Tensor Center(Tensor gram)
    {
        using var scope = NewDisposeScope();
        var k = gram.to(float64);
        // One n x n result, updated in place (the same operations in the same order as k - m0 - m1 + m).
        var centred = k - k.mean([0], keepdim: true);
        return centred.sub_(k.mean([1], keepdim: true)).add_(k.mean()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="Center"/> of a float64 Gram matrix the caller owns and no longer needs, overwriting it (the same
    /// means, taken before any change, and the same operations in the same order, so the same values): one n x n
    /// matrix less, 800 MB at n = 10 000. Returns <paramref name="gram"/>.
    /// </summary>
    internal static Tensor CenterInPlace(Tensor gram)
    {
        if (gram.dtype != float64) throw new ArgumentException($"CenterInPlace needs a float64 Gram matrix, got {gram.dtype}.", nameof(gram));
        using var scope = NewDisposeScope();
        var (rows, columns, all) = (gram.mean([0], keepdim: true), gram.mean([1], keepdim: true), gram.mean());
        return gram.sub_(rows).sub_(columns).add_(all);
    }

    /// <summary>Biased CKA from two already centred Gram matrices: &lt;Kc, Lc&gt; / (|Kc|_F |Lc|_F) (NaN without variance).</summary>
    internal static double CenteredCka(Tensor kc, Tensor lc)
    {
        using var scope = NewDisposeScope();
        return Ratio((kc * lc).sum().item<double>(), (kc * kc).sum().item<double>(), (lc * lc).sum().item<double>());
    }

    /// <summary>
    /// The unbiased HSIC estimator of Song et al. 2012 (used for debiased CKA by Nguyen, Raghu &amp; Kornblith 2020):
    /// with K~, L~ the Gram matrices with zeroed diagonals,
    /// [tr(K~L~) + (1'K~1)(1'L~1)/((n-1)(n-2)) - 2/(n-2) 1'K~L~1] / (n(n-3)). Needs n &gt;= 4 and symmetric K, L.
    /// </summary>
    public static double UnbiasedHsic(Tensor k, Tensor l)
    {
        long n = k.shape[0];
        if (n < 4) throw new ArgumentException($"The unbiased HSIC needs at least 4 examples; got {n}.");
        using var scope = NewDisposeScope();
        var kt = k.to(float64).clone();
        var lt = l.to(float64).clone();
        kt.diagonal().zero_();
        lt.diagonal().zero_();
        double trace = (kt * lt).sum().item<double>();
        double sumK = kt.sum().item<double>(), sumL = lt.sum().item<double>();
        // 1'K~L~1 = (K~1).(L~1) because K~ is symmetric.
        double cross = (kt.sum([1]) * lt.sum([1])).sum().item<double>();
        return HsicFromSums(n, trace, sumK, sumL, cross);
    }

    /// <summary>
    /// CKA between two Gram matrices. Biased (Kornblith et al. 2019): &lt;HKH, HLH&gt; / (|HKH|_F |HLH|_F).
    /// Debiased: HSIC_1(K, L) / sqrt(HSIC_1(K, K) HSIC_1(L, L)) with the unbiased estimator (n &gt;= 4).
    /// NaN when either representation has no variance (or, debiased, a non-positive self-HSIC estimate).
    /// </summary>
    public static double GramCka(Tensor k, Tensor l, bool debiased = false)
    {
        if (k.dim() != 2 || l.dim() != 2 || k.shape[0] != k.shape[1] || !k.shape.SequenceEqual(l.shape))
            throw new ArgumentException($"CKA needs two n x n Gram matrices of the same n; got [{string.Join(", ", k.shape)}] and [{string.Join(", ", l.shape)}].");
        if (debiased) return Ratio(UnbiasedHsic(k, l), UnbiasedHsic(k, k), UnbiasedHsic(l, l));
        using var scope = NewDisposeScope();
        return CenteredCka(Center(k), Center(l));
    }

    /// <summary>The unbiased HSIC from its four sums (shared with the feature-space form, which gets them without n x n matrices).</summary>
    internal static double HsicFromSums(double n, double trace, double sumK, double sumL, double cross) =>
        (trace + sumK * sumL / ((n - 1) * (n - 2)) - 2 * cross / (n - 2)) / (n * (n - 3));

    /// <summary>hsic(x, y) / sqrt(hsic(x, x) hsic(y, y)), NaN (not an exception) when a self-similarity is not positive.</summary>
    internal static double Ratio(double xy, double xx, double yy) =>
        xx > 0 && yy > 0 ? xy / Math.Sqrt(xx * yy) : double.NaN;

    /// <summary>X in float64 with each column's mean subtracted.</summary>
    internal static Tensor CenterColumns(Tensor x)
    {
        var x64 = x.to(float64);
        return x64 - x64.mean([0], keepdim: true);
    }

    static double MedianDistanceOf(Tensor squaredDistances)
    {
        using var scope = NewDisposeScope();
        // Each pair once (strict upper triangle), zero distances dropped; a boolean mask, not a float copy of the triangle.
        var values = squaredDistances.masked_select(squaredDistances.gt(0).triu_(1));
        return values.numel() == 0 ? double.NaN : Math.Sqrt(values.median().item<double>());
    }
}
