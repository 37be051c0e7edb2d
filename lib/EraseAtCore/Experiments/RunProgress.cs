namespace EraseAtCore.Experiments;

/// <summary>Progress of a whole experiment, for a live display.</summary>
/// <param name="Model">The model being produced (original, retrain, a method).</param>
/// <param name="Seed">Its seed.</param>
/// <param name="Phase">"train", "import" (a model read from a given file), "load" (the Original from the cache, to unlearn from), "unlearn", "evaluate", "relearn", "cached" or "report".</param>
/// <param name="Index">1-based position of this model in the run.</param>
/// <param name="Total">Models in the run.</param>
/// <param name="Fraction">Share of the whole run done, in [0, 1] (weighted by each step's expected cost).</param>
/// <param name="Detail">Inner progress (epoch, step, losses), if any.</param>
/// <param name="Elapsed">Time since the run started.</param>
public sealed record RunProgress(string Model, int Seed, string Phase, int Index, int Total, double Fraction, string Detail, TimeSpan Elapsed)
{
    /// <summary>Estimated time left, from the fraction done (null until 2 % is done).</summary>
    public TimeSpan? Remaining => Fraction >= 0.02 ? TimeSpan.FromSeconds(Elapsed.TotalSeconds * (1 - Fraction) / Fraction) : null;
}
