namespace EraseAtCore.Benchmarks;

/// <summary>Order statistics of timed samples: the median is the figure benchmarks quote (one slow or lucky sample does not move it).</summary>
public static class SampleStats
{
    /// <summary>The median (mean of the two middle values for an even count); NaN for no samples.</summary>
    public static double Median(IEnumerable<double> samples)
    {
        var s = samples.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>The smallest sample; NaN for no samples.</summary>
    public static double Min(IEnumerable<double> samples) => samples.DefaultIfEmpty(double.NaN).Min();

    /// <summary>The largest sample; NaN for no samples.</summary>
    public static double Max(IEnumerable<double> samples) => samples.DefaultIfEmpty(double.NaN).Max();

    /// <summary>The arithmetic mean (includes the occasional slow sample, e.g. a loop's log points); NaN for no samples.</summary>
    public static double Mean(IEnumerable<double> samples) => samples.DefaultIfEmpty(double.NaN).Average();
}
