using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>The kernel CKA compares the two representations' example-by-example similarities with.</summary>
public enum CkaKernel
{
    /// <summary>Dot products: K = X X^T (the CKA most papers, UUEF included, report).</summary>
    Linear,
    /// <summary>Gaussian kernel with a median-distance bandwidth (see <see cref="CkaKernels.RbfGram"/>).</summary>
    Rbf,
}

/// <summary>How linear CKA is evaluated. Both exact forms give the same value up to float error.</summary>
public enum LinearCkaForm
{
    /// <summary>Pick the cheaper exact form from n, d1, d2 (<see cref="Cka.ChooseForm"/>).</summary>
    Auto,
    /// <summary>d x d products (Y^T X etc.): O(n d^2) time, O(d^2) memory. Best when d is small relative to n.</summary>
    Feature,
    /// <summary>n x n Gram matrices: O(n^2 d) time, O(n^2) memory. Best when d is large relative to n.</summary>
    Gram,
}

/// <summary>Which CKA to compute, so callers (layer-wise comparison, the CLI) pass one value around.</summary>
/// <param name="Kernel">Linear or RBF.</param>
/// <param name="Debiased">Use the unbiased HSIC estimator (needs at least 4 examples per computation).</param>
/// <param name="SigmaFraction">RBF only: bandwidth as a fraction of the median pairwise distance (1 = UUEF and Kornblith et al.'s code default).</param>
/// <param name="BatchSize">When set, UUEF's protocol: the mean of per-batch CKA over consecutive batches of this size (<see cref="Cka.BatchAveraged"/>).</param>
public sealed record CkaSettings(CkaKernel Kernel = CkaKernel.Linear, bool Debiased = false, double SigmaFraction = 1.0, int? BatchSize = null)
{
    /// <summary>The CKA of X (n x d1) and Y (n x d2) under these settings.</summary>
    public double Compute(Tensor x, Tensor y) => BatchSize is { } b
        ? Cka.BatchAveraged(x, y, b, Kernel, Debiased, SigmaFraction)
        : Cka.Compute(x, y, Kernel, Debiased, SigmaFraction);
}

/// <summary>
/// Centered Kernel Alignment (Kornblith, Norouzi, Lee &amp; Hinton, ICML 2019): the similarity of two representations
/// X (n x d1) and Y (n x d2) of the same n examples, CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)) with K, L the
/// kernel matrices of X and Y. In [0, 1] (the debiased estimate can fall slightly below 0 for unrelated representations);
/// invariant to orthogonal transforms, isotropic scaling and shifts of either representation, but not to arbitrary
/// invertible linear maps. Computed in float64 on the inputs' device; the inputs are not modified. Definitions follow
/// Kornblith et al. 2019 and the UUEF code (github.com/yongwookim1/UUEF, CKA/CKA.py and main_cka.py).
/// </summary>
public static class Cka
{
    /// <summary>Linear CKA, in the cheaper exact form for the shapes (see <see cref="ChooseForm"/>).</summary>
    public static double Linear(Tensor x, Tensor y, bool debiased = false) => Linear(x, y, debiased, LinearCkaForm.Auto);

    /// <summary>
    /// Linear CKA in a chosen form. Feature form: |Yc^T Xc|_F^2 / (|Xc^T Xc|_F |Yc^T Yc|_F) with centred columns;
    /// Gram form: the same through n x n Gram matrices. Debiased: the unbiased HSIC estimator (Song et al. 2012),
    /// whose four sums both forms compute exactly.
    /// </summary>
    public static double Linear(Tensor x, Tensor y, bool debiased, LinearCkaForm form)
    {
        var (n, d1, d2) = Check(x, y, debiased);
        if (form == LinearCkaForm.Auto) form = ChooseForm(n, d1, d2);
        using var noGrad = no_grad();
        if (form == LinearCkaForm.Feature)
        {
            using var accumulator = new LinearCkaAccumulator(debiased);
            accumulator.Add(x, y);
            return accumulator.Value();
        }
        using var scope = NewDisposeScope();
        return GramFormCka(() => CkaKernels.LinearGram(x), () => CkaKernels.LinearGram(y), debiased);
    }

    /// <summary>
    /// The cheaper exact form of linear CKA: feature form costs about n (d1^2 + d2^2 + d1 d2) multiply-adds and
    /// O(d^2) memory, Gram form about n^2 (d1 + d2) and O(n^2) memory. Feature form wins unless d is above about
    /// 2n/3 (e.g. flattened feature maps on a batch).
    /// </summary>
    public static LinearCkaForm ChooseForm(long n, long d1, long d2)
    {
        double feature = (double)n * (d1 * (double)d1 + d2 * (double)d2 + d1 * (double)d2);
        double gram = (double)n * n * (d1 + d2);
        return feature <= gram ? LinearCkaForm.Feature : LinearCkaForm.Gram;
    }

    /// <summary>
    /// RBF CKA: Gaussian kernels exp(-|xi - xj|^2 / (2 sigma^2)) with sigma = <paramref name="sigmaFraction"/> times
    /// the median pairwise distance, computed separately for X and for Y (as UUEF and Kornblith et al. do). Gram
    /// form only, so O(n^2) memory: for thousands of examples use <see cref="BatchAveraged"/>.
    /// </summary>
    public static double Rbf(Tensor x, Tensor y, double sigmaFraction = 1.0, bool debiased = false)
    {
        Check(x, y, debiased);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return GramFormCka(() => CkaKernels.RbfGram(x, sigmaFraction), () => CkaKernels.RbfGram(y, sigmaFraction), debiased);
    }

    /// <summary>
    /// CKA of two Gram matrices made here: <see cref="CkaKernels.GramCka"/>'s value, but (biased form) each Gram is
    /// centred in place as soon as it is made, so at most two n x n float64 matrices are held between the kernels.
    /// </summary>
    static double GramFormCka(Func<Tensor> k, Func<Tensor> l, bool debiased)
    {
        if (debiased) return CkaKernels.GramCka(k(), l(), debiased: true);
        var kc = CkaKernels.CenterInPlace(k());
        var lc = CkaKernels.CenterInPlace(l());
        return CkaKernels.CenteredCka(kc, lc);
    }

    /// <summary>CKA with the given kernel (linear in its automatic form).</summary>
    public static double Compute(Tensor x, Tensor y, CkaKernel kernel, bool debiased = false, double sigmaFraction = 1.0) => kernel switch
    {
        CkaKernel.Linear => Linear(x, y, debiased),
        CkaKernel.Rbf => Rbf(x, y, sigmaFraction, debiased),
        _ => throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown CKA kernel."),
    };

    /// <summary>
    /// UUEF's protocol (main_cka.py): the plain mean, over consecutive batches of <paramref name="batchSize"/> rows
    /// in order, of each batch's CKA. The last, partial batch counts as one batch if it has at least 4 rows and is
    /// dropped otherwise: UUEF averages over every batch of its loader, but a CKA of 2 or 3 points is meaningless
    /// (with 2 points linear CKA is always 1) and the debiased estimator needs 4. Not the same number as CKA on all
    /// n at once: each batch is centred on its own mean and the RBF bandwidth is set per batch.
    /// </summary>
    public static double BatchAveraged(Tensor x, Tensor y, int batchSize, CkaKernel kernel, bool debiased = false, double sigmaFraction = 1.0)
    {
        var (n, _, _) = Check(x, y, debiased);
        if (batchSize < 4) throw new ArgumentException($"Batch-averaged CKA needs batches of at least 4 examples; got {batchSize}.", nameof(batchSize));
        if (n < 4) throw new ArgumentException($"Batch-averaged CKA needs at least 4 examples; got {n}.");
        double sum = 0;
        int batches = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            long length = Math.Min(batchSize, n - start);
            if (length < 4) break;
            using var scope = NewDisposeScope();
            sum += Compute(x.narrow(0, start, length), y.narrow(0, start, length), kernel, debiased, sigmaFraction);
            batches++;
        }
        return sum / batches;
    }

    /// <summary>The number of batches <see cref="BatchAveraged"/> averages over for n examples.</summary>
    public static int BatchCount(long n, int batchSize) =>
        batchSize < 1 ? 0 : (int)(n / batchSize) + (n % batchSize >= 4 ? 1 : 0);

    /// <summary>Validates a pair of representations; returns n, d1, d2.</summary>
    internal static (long N, long D1, long D2) Check(Tensor x, Tensor y, bool debiased)
    {
        if (x.dim() != 2 || y.dim() != 2)
            throw new ArgumentException($"CKA compares two n x d matrices; got shapes [{string.Join(", ", x.shape)}] and [{string.Join(", ", y.shape)}].");
        long n = x.shape[0];
        if (y.shape[0] != n)
            throw new ArgumentException($"CKA needs the same examples in both representations: X has {n} rows, Y has {y.shape[0]}.");
        if (x.shape[1] == 0 || y.shape[1] == 0)
            throw new ArgumentException("CKA needs at least one feature in each representation; got a matrix with 0 columns.");
        int min = debiased ? 4 : 2;
        if (n < min)
            throw new ArgumentException($"{(debiased ? "Debiased" : "")} CKA needs at least {min} examples; got {n}.".TrimStart());
        if (x.device_type != y.device_type || x.device_index != y.device_index)
            throw new ArgumentException($"X is on {x.device} but Y is on {y.device}; move both to one device first.");
        return (n, x.shape[1], y.shape[1]);
    }
}

/// <summary>
/// Linear CKA over data that arrives in batches (n too large for n x n matrices, or features computed on the fly):
/// accumulates Y^T X, X^T X, Y^T Y and the column sums in float64, so the centring is exact and memory is
/// O(d1^2 + d2^2 + d1 d2) whatever n is. <see cref="Value"/> equals the one-shot <see cref="Cka.Linear(Tensor, Tensor, bool)"/>
/// on the concatenated rows up to float error. Rows of X and Y must correspond batch by batch. Dispose when done.
/// </summary>
public sealed class LinearCkaAccumulator : IDisposable
{
    // Every row is shifted by the first batch's column means before accumulating. CKA and the unbiased HSIC are
    // shift-invariant, so the value is unchanged, but the uncentred sums stay near the data's spread instead of its
    // offset, which keeps "X^T X - s s^T / n" from cancelling catastrophically when features sit far from 0 (ReLU).
    Tensor? _shiftX, _shiftY;
    Tensor? _xx, _yy, _yx, _sx, _sy;
    // Debiased only, with kx_i = |x_i|^2 and ky_i = |y_i|^2: sum kx_i x_i, sum ky_i y_i, sum ky_i x_i, sum kx_i y_i,
    // and [sum kx, sum ky, sum kx^2, sum ky^2, sum kx ky]; with the above they give the unbiased HSIC's four sums.
    Tensor? _kxX, _kyY, _kyX, _kxY, _scalars;

    /// <summary>Creates an empty accumulator for biased (default) or debiased linear CKA.</summary>
    public LinearCkaAccumulator(bool debiased = false) { Debiased = debiased; }

    /// <summary>Whether <see cref="Value"/> uses the unbiased HSIC estimator.</summary>
    public bool Debiased { get; }

    /// <summary>Rows (examples) added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds the next rows: <paramref name="xBatch"/> (m x d1) and <paramref name="yBatch"/> (m x d2), row i of each the same example.</summary>
    public void Add(Tensor xBatch, Tensor yBatch)
    {
        if (xBatch.dim() != 2 || yBatch.dim() != 2 || xBatch.shape[0] != yBatch.shape[0])
            throw new ArgumentException($"Add needs an m x d1 and an m x d2 batch of the same m; got [{string.Join(", ", xBatch.shape)}] and [{string.Join(", ", yBatch.shape)}].");
        if (xBatch.device_type != yBatch.device_type || xBatch.device_index != yBatch.device_index)
            throw new ArgumentException($"The X batch is on {xBatch.device} but the Y batch is on {yBatch.device}.");
        if (_xx is not null && (_xx.shape[0] != xBatch.shape[1] || _yy!.shape[0] != yBatch.shape[1]))
            throw new ArgumentException($"Batches so far had {_xx.shape[0]} and {_yy!.shape[0]} features; this one has {xBatch.shape[1]} and {yBatch.shape[1]}.");
        if (_xx is not null && (_xx.device_type != xBatch.device_type || _xx.device_index != xBatch.device_index))
            throw new ArgumentException($"Batches so far were on {_xx.device}; this one is on {xBatch.device}.");
        long m = xBatch.shape[0];
        if (m == 0) return;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = xBatch.to(float64);
        var y = yBatch.to(float64);
        if (_xx is null) Start(x, y);
        x = x - _shiftX!;
        y = y - _shiftY!;
        _xx!.add_(x.t().matmul(x));
        _yy!.add_(y.t().matmul(y));
        _yx!.add_(y.t().matmul(x));
        _sx!.add_(x.sum([0]));
        _sy!.add_(y.sum([0]));
        if (Debiased)
        {
            var kx = (x * x).sum([1]);
            var ky = (y * y).sum([1]);
            _kxX!.add_(kx.matmul(x));
            _kyY!.add_(ky.matmul(y));
            _kyX!.add_(ky.matmul(x));
            _kxY!.add_(kx.matmul(y));
            _scalars!.add_(stack([kx.sum(), ky.sum(), (kx * kx).sum(), (ky * ky).sum(), (kx * ky).sum()]));
        }
        Count += m;
    }

    /// <summary>
    /// The CKA of all rows added. Biased: |Yc^T Xc|_F^2 / (|Xc^T Xc|_F |Yc^T Yc|_F) with Xc^T Xc = X^T X - s s^T / n.
    /// Debiased: the unbiased HSIC ratio, its sums expressed through the accumulated d-sized statistics.
    /// NaN when a representation has no variance.
    /// </summary>
    public double Value()
    {
        int min = Debiased ? 4 : 2;
        if (Count < min) throw new InvalidOperationException($"{(Debiased ? "Debiased" : "Linear")} CKA needs at least {min} examples; {Count} were added.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        double n = Count;
        var (xx, yy, yx, sx, sy) = (_xx!, _yy!, _yx!, _sx!, _sy!);
        if (!Debiased)
        {
            double hxy = SquaredNorm(yx - sy.outer(sx) / n);
            double hxx = SquaredNorm(xx - sx.outer(sx) / n);
            double hyy = SquaredNorm(yy - sy.outer(sy) / n);
            return CkaKernels.Ratio(hxy, hxx, hyy);
        }
        var s = _scalars!.data<double>().ToArray();
        double sumKx = s[0], sumKy = s[1], sumKx2 = s[2], sumKy2 = s[3], sumKxKy = s[4];
        // With K = X X^T (zeroed diagonal K~): tr(K~L~) = |Y^T X|^2 - sum kx ky; 1'K~1 = |sx|^2 - sum kx;
        // (K~1)_i = x_i.sx - kx_i, so 1'K~L~1 = sy' (Y^T X) sx - sx.(sum ky x) - sy.(sum kx y) + sum kx ky.
        double sxsx = Dot(sx, sx), sysy = Dot(sy, sy);
        double sumK = sxsx - sumKx, sumL = sysy - sumKy;
        double crossXY = Dot(sy, yx.matmul(sx)) - Dot(sx, _kyX!) - Dot(sy, _kxY!) + sumKxKy;
        double crossXX = Dot(sx, xx.matmul(sx)) - 2 * Dot(sx, _kxX!) + sumKx2;
        double crossYY = Dot(sy, yy.matmul(sy)) - 2 * Dot(sy, _kyY!) + sumKy2;
        double hsicXY = CkaKernels.HsicFromSums(n, SquaredNorm(yx) - sumKxKy, sumK, sumL, crossXY);
        double hsicXX = CkaKernels.HsicFromSums(n, SquaredNorm(xx) - sumKx2, sumK, sumK, crossXX);
        double hsicYY = CkaKernels.HsicFromSums(n, SquaredNorm(yy) - sumKy2, sumL, sumL, crossYY);
        return CkaKernels.Ratio(hsicXY, hsicXX, hsicYY);
    }

    /// <summary>Releases the accumulated tensors.</summary>
    public void Dispose()
    {
        foreach (var t in new[] { _shiftX, _shiftY, _xx, _yy, _yx, _sx, _sy, _kxX, _kyY, _kyX, _kxY, _scalars }) t?.Dispose();
        _shiftX = _shiftY = _xx = _yy = _yx = _sx = _sy = _kxX = _kyY = _kyX = _kxY = _scalars = null;
    }

    // Allocates the running sums (outliving the caller's dispose scope) on the first batch's device.
    void Start(Tensor x, Tensor y)
    {
        long d1 = x.shape[1], d2 = y.shape[1];
        var device = x.device;
        Tensor Zeros(params long[] shape) => zeros(shape, dtype: float64, device: device).DetachFromDisposeScope();
        _shiftX = x.mean([0]).DetachFromDisposeScope();
        _shiftY = y.mean([0]).DetachFromDisposeScope();
        (_xx, _yy, _yx, _sx, _sy) = (Zeros(d1, d1), Zeros(d2, d2), Zeros(d2, d1), Zeros(d1), Zeros(d2));
        if (Debiased) (_kxX, _kyY, _kyX, _kxY, _scalars) = (Zeros(d1), Zeros(d2), Zeros(d1), Zeros(d2), Zeros(5));
    }

    static double SquaredNorm(Tensor t) => (t * t).sum().item<double>();
    static double Dot(Tensor a, Tensor b) => (a * b).sum().item<double>();
}
