using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>2-D coordinates of a set of feature vectors.</summary>
/// <param name="X">First principal component score per row.</param>
/// <param name="Y">Second principal component score per row.</param>
/// <param name="ExplainedVariance">Fraction of the total variance the two components carry.</param>
public sealed record Projection2D(double[] X, double[] Y, double ExplainedVariance);

/// <summary>Principal component analysis to two dimensions, for pictures of a representation.</summary>
public static class Pca
{
    /// <summary>Projects the rows of <paramref name="features"/> (N x d, N &gt;= 2) on their top two principal components (exact SVD of the centred data, in float64).</summary>
    public static Projection2D Project(Tensor features)
    {
        if (features.dim() != 2 || features.shape[0] < 2) throw new ArgumentException($"PCA needs N x d features with N >= 2, got shape [{string.Join(", ", features.shape)}].");
        using var scope = NewDisposeScope();
        var x = features.detach().to(float64).cpu();
        x = x.sub(x.mean([0], keepdim: true));
        var (u, s, _) = linalg.svd(x, fullMatrices: false);
        int k = (int)Math.Min(2, s.shape[0]);
        var scores = u.narrow(1, 0, k).mul(s.narrow(0, 0, k));
        var total = s.pow(2).sum().item<double>();
        double explained = total > 0 ? s.narrow(0, 0, k).pow(2).sum().item<double>() / total : 0;
        var xs = scores.select(1, 0).data<double>().ToArray();
        var ys = k > 1 ? scores.select(1, 1).data<double>().ToArray() : new double[xs.Length];
        return new Projection2D(xs, ys, explained);
    }
}
