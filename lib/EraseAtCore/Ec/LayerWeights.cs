namespace EraseAtCore.Ec;

/// <summary>The per-point weights w_l of EC's objective sum over l of w_l * (a * L_CU(l) + b * L_CE(l)).</summary>
public static class LayerWeights
{
    /// <summary>
    /// Weights for <paramref name="count"/> points, shallowest first: uniform = 1 each, depth-increasing = l / L,
    /// explicit = <paramref name="explicitWeights"/> (its length must match).
    /// </summary>
    public static double[] For(LayerWeighting weighting, int count, IReadOnlyList<double>? explicitWeights = null)
    {
        if (count <= 0) throw new ArgumentException($"There must be at least one supervision point, got {count}.");
        return weighting switch
        {
            LayerWeighting.Uniform => Enumerable.Repeat(1.0, count).ToArray(),
            LayerWeighting.DepthIncreasing => Enumerable.Range(1, count).Select(l => l / (double)count).ToArray(),
            LayerWeighting.Explicit => explicitWeights is { } w && w.Count == count ? w.ToArray()
                : throw new ArgumentException($"EC has {count} supervision points but {explicitWeights?.Count ?? 0} explicit layer weights; give one weight per point."),
            _ => throw new ArgumentOutOfRangeException(nameof(weighting)),
        };
    }
}
