namespace EraseAtCore.Experiments;

/// <summary>
/// The mean over seeds of a per-seed difference (model A minus model B on the same seed, so both start from the
/// same Original and see the same split) with a two-sided 95 % Student-t interval. Pairing removes the
/// seed-to-seed spread the two models share, which is most of it.
/// </summary>
/// <param name="Mean">Mean difference.</param>
/// <param name="HalfWidth">Half-width of the 95 % interval (infinite with one seed: the noise is unknown).</param>
/// <param name="Count">Seeds paired.</param>
public sealed record PairedDifference(double Mean, double HalfWidth, int Count)
{
    /// <summary>Lower end of the interval.</summary>
    public double Low => Mean - HalfWidth;
    /// <summary>Upper end of the interval.</summary>
    public double High => Mean + HalfWidth;

    /// <summary>The difference of the paired values (each list in the same seed order).</summary>
    public static PairedDifference Of(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"Paired lists differ in length ({a.Count} vs {b.Count}).");
        if (a.Count == 0) throw new ArgumentException("No seeds to pair.");
        var d = a.Zip(b, (x, y) => x - y).ToList();
        double mean = d.Average();
        if (d.Count == 1) return new PairedDifference(mean, double.PositiveInfinity, 1);
        double sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Count - 1));
        return new PairedDifference(mean, StudentT975(d.Count - 1) * sd / Math.Sqrt(d.Count), d.Count);
    }

    /// <summary>The 97.5 % quantile of Student's t with <paramref name="df"/> degrees of freedom (exact to 3 decimals up to 30, then the normal's).</summary>
    public static double StudentT975(int df) => df switch
    {
        < 1 => throw new ArgumentOutOfRangeException(nameof(df), df, "At least one degree of freedom."),
        <= 30 => Table[df - 1],
        _ => 1.96,
    };

    static readonly double[] Table =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>e.g. "-0.031 [-0.052, -0.010]" with <paramref name="scale"/> applied (100 for percentage points).</summary>
    public string Describe(double scale = 1, string format = "F3")
    {
        string F(double v) => (v * scale).ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        return Count < 2 ? $"{F(Mean)} (1 seed, no interval)" : $"{F(Mean)} [{F(Low)}, {F(High)}]";
    }
}
