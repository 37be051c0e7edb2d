using System.Globalization;
using System.Text.Json.Serialization;
using EraseAtCore.Unlearning;

namespace EraseAtCore.Experiments;

/// <summary>One claim of the paper and what this run's numbers say about it.</summary>
/// <param name="Id">a..e, as the issue and docs/findings.md name them.</param>
/// <param name="Statement">The claim, in words.</param>
/// <param name="Verdict">"reproduced", "not reproduced" or "inconclusive".</param>
/// <param name="Evidence">The paired differences behind the verdict (mean over seeds [95 % interval]), one per comparison.</param>
public sealed record ClaimVerdict(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("statement")] string Statement,
    [property: JsonPropertyName("verdict")] string Verdict,
    [property: JsonPropertyName("evidence")] IReadOnlyList<string> Evidence);

/// <summary>Whether a measure tells Retrain from the Original on this run (it must, to judge anything by it).</summary>
/// <param name="Measure">The measure (headline key).</param>
/// <param name="Difference">Original minus Retrain, paired over seeds.</param>
/// <param name="Separates">True when the 95 % interval excludes 0.</param>
public sealed record MetricSeparation(
    [property: JsonPropertyName("measure")] string Measure,
    [property: JsonPropertyName("original_minus_retrain")] string Difference,
    [property: JsonPropertyName("separates")] bool Separates);

/// <summary>
/// Judges the paper's claims from the records of a run. Every comparison is a per-seed difference between two
/// models (<see cref="PairedDifference"/>): <c>reproduced</c> when the 95 % interval lies wholly on the claimed
/// side, <c>not reproduced</c> when it lies wholly on the other, <c>inconclusive</c> when it covers the boundary
/// (and always with one seed). A claim made of several comparisons is reproduced when all are, not reproduced
/// when any is not, inconclusive otherwise. The thresholds are the paper's words made numbers; they are fixed
/// here, before any run, and documented in docs/findings/protocol.md.
/// </summary>
public static class Claims
{
    /// <summary>Verdict words.</summary>
    public const string Reproduced = "reproduced", NotReproduced = "not reproduced", Inconclusive = "inconclusive";

    /// <summary>"UA near Retrain's" and "matched UA": within this many points (fraction).</summary>
    public const double UaTolerance = 0.05;
    /// <summary>"matched RA" and "RA and TA within 3 points of the Original" (fraction).</summary>
    public const double RaTolerance = 0.03;

    /// <summary>The baselines claims (b) and (e) compare EC with, as the paper names them.</summary>
    public static IReadOnlyList<string> Baselines { get; } = ["ft", "rl", "salun", "scrub"];

    /// <summary>All five verdicts (a claim whose models were not run is inconclusive and says which are missing).</summary>
    public static IReadOnlyList<ClaimVerdict> Judge(IReadOnlyList<ModelRecord> models, IReadOnlyList<string> stages)
    {
        var table = new Table(models, stages);
        return [SuperficialForgetting(table), EcBelowBaselines(table), PlugInsBelowHosts(table), EcKeepsAccuracy(table), EcRecoversLess(table)];
    }

    /// <summary>For each headline measure, whether the Original and Retrain differ beyond the seeds' noise.</summary>
    public static IReadOnlyList<MetricSeparation> Separation(IReadOnlyList<ModelRecord> models, IReadOnlyList<string> stages)
    {
        var table = new Table(models, stages);
        if (!table.Has("original") || !table.Has("retrain")) return [];
        return SeparationMeasures.Select(key =>
        {
            var d = table.Difference("original", "retrain", key);
            return new MetricSeparation(key, d.Describe(key.StartsWith("cka", StringComparison.Ordinal) ? 1 : 100, key.StartsWith("cka", StringComparison.Ordinal) ? "F3" : "F1"),
                d.Count > 1 && (d.Low > 0 || d.High < 0));
        }).Where(s => !s.Difference.StartsWith("NaN", StringComparison.Ordinal)).ToList();
    }

    static readonly string[] SeparationMeasures = ["ua", "mia", "cka_shallow", "probe_last", "probe_second_last", "knn_last", "knn5_last"];

    static ClaimVerdict SuperficialForgetting(Table t)
    {
        const string statement = "The baselines keep intermediate CKA to the Original near 1 while their UA is near Retrain's (superficial forgetting): " +
                                 "each baseline's CKA over the early stages is above Retrain's, with its UA within 5 points of Retrain's.";
        var hosts = Baselines.Concat(["ga", "neggrad+", "l1-sparse", "cu"]).Where(t.Has).ToList();
        if (!t.Has("retrain") || hosts.Count == 0) return Missing("a", statement, ["retrain", "a baseline"], t);
        var evidence = new List<string>();
        var verdicts = new List<string>();
        foreach (var x in hosts)
        {
            var cka = t.Difference(x, "retrain", "cka_shallow");
            var ua = t.Difference(x, "retrain", "ua");
            string v = Above(cka, 0);
            // UA far from Retrain's means the method did not forget at the logits: not the superficial pattern.
            if (Math.Abs(ua.Mean) > UaTolerance) v = v == Reproduced ? Inconclusive : v;
            verdicts.Add(v);
            evidence.Add($"{x}: CKA {t.ShallowName} minus Retrain's {cka.Describe()}; UA minus Retrain's {ua.Describe(100, "F1")} pts → {v}");
        }
        return new ClaimVerdict("a", statement, Combine(verdicts), evidence);
    }

    static ClaimVerdict EcBelowBaselines(Table t)
    {
        const string statement = "EC lowers CKA to the Original over the early stages below FT, RL, SalUn and SCRUB at matched UA (within 5 points) and RA (within 3 points).";
        var hosts = Baselines.Where(t.Has).ToList();
        if (!t.Has("ec") || hosts.Count == 0) return Missing("b", statement, ["ec", "ft/rl/salun/scrub"], t);
        return Below("b", statement, t, hosts.Select(x => ("ec", x)).ToList());
    }

    static ClaimVerdict PlugInsBelowHosts(Table t)
    {
        const string statement = "Each X+EC has lower CKA to the Original over the early stages than its host X, at matched UA and RA.";
        var pairs = t.Names.Select(n => (Plugin: n, Host: EcHosting.HostOf(n))).Where(p => p.Host is not null && t.Has(p.Host)).Select(p => (p.Plugin, p.Host!)).ToList();
        if (pairs.Count == 0) return Missing("c", statement, ["an X+EC with its X"], t);
        return Below("c", statement, t, pairs);
    }

    static ClaimVerdict Below(string id, string statement, Table t, IReadOnlyList<(string A, string B)> pairs)
    {
        var evidence = new List<string>();
        var verdicts = new List<string>();
        foreach (var (a, b) in pairs)
        {
            var cka = t.Difference(a, b, "cka_shallow");
            var ua = t.Difference(a, b, "ua");
            var ra = t.Difference(a, b, "ra");
            string v = Above(cka, 0) switch { Reproduced => NotReproduced, NotReproduced => Reproduced, _ => Inconclusive };
            bool matched = Math.Abs(ua.Mean) <= UaTolerance && Math.Abs(ra.Mean) <= RaTolerance;
            if (!matched && v == Reproduced) v = Inconclusive; // lower CKA bought with a different UA or RA is not the claim
            verdicts.Add(v);
            evidence.Add($"{a} minus {b}: CKA {t.ShallowName} {cka.Describe()}; UA {ua.Describe(100, "F1")} pts, RA {ra.Describe(100, "F1")} pts" +
                         (matched ? "" : " (UA or RA not matched)") + $" → {v}");
        }
        return new ClaimVerdict(id, statement, Combine(verdicts), evidence);
    }

    static ClaimVerdict EcKeepsAccuracy(Table t)
    {
        const string statement = "EC keeps RA and TA within 3 points of the Original's.";
        if (!t.Has("ec")) return Missing("d", statement, ["ec"], t);
        var evidence = new List<string>();
        var verdicts = new List<string>();
        foreach (var key in new[] { "ra", "ta" })
        {
            var d = t.Difference("ec", "original", key);
            string v = Above(d, -RaTolerance);
            verdicts.Add(v);
            evidence.Add($"EC's {key.ToUpperInvariant()} minus the Original's: {d.Describe(100, "F1")} pts (claim: above -3) → {v}");
        }
        return new ClaimVerdict("d", statement, Combine(verdicts), evidence);
    }

    static ClaimVerdict EcRecoversLess(Table t)
    {
        string statement = "Forget-class information recoverable from the last stage's features is lower after EC than after FT, RL, SalUn and SCRUB, " +
                           "read as gaps to Retrain: linear probe and k-NN (k = 5) accuracy on forget-class test images.";
        var hosts = Baselines.Where(t.Has).ToList();
        if (!t.Has("ec") || !t.Has("retrain") || hosts.Count == 0) return Missing("e", statement, ["ec", "retrain", "ft/rl/salun/scrub"], t);
        var evidence = new List<string>();
        var verdicts = new List<string>();
        foreach (var key in new[] { "probe_last", "knn5_last" })
        {
            foreach (var x in hosts)
            {
                // Gap(EC) - Gap(X) = metric(EC) - metric(X): Retrain cancels in the comparison, it sets the scale of the gaps shown.
                var d = t.Difference("ec", x, key);
                string v = Above(d, 0) switch { Reproduced => NotReproduced, NotReproduced => Reproduced, _ => Inconclusive };
                verdicts.Add(v);
                var gapEc = t.Difference("ec", "retrain", key);
                var gapX = t.Difference(x, "retrain", key);
                evidence.Add($"{Label(key)}: gap to Retrain EC {gapEc.Describe(100, "F1")} vs {x} {gapX.Describe(100, "F1")} pts; EC minus {x} {d.Describe(100, "F1")} → {v}");
            }
        }
        return new ClaimVerdict("e", statement, Combine(verdicts), evidence);
    }

    static string Label(string key) => key == "probe_last" ? "probe" : "k-NN (k=5)";

    // The interval wholly above the boundary: the claim "greater than boundary" holds; wholly below: it fails.
    static string Above(PairedDifference d, double boundary) =>
        double.IsNaN(d.Mean) || d.Count < 2 ? Inconclusive : d.Low > boundary ? Reproduced : d.High < boundary ? NotReproduced : Inconclusive;

    static string Combine(IReadOnlyList<string> verdicts) =>
        verdicts.Count > 0 && verdicts.All(v => v == Reproduced) ? Reproduced : verdicts.Any(v => v == NotReproduced) ? NotReproduced : Inconclusive;

    static ClaimVerdict Missing(string id, string statement, IReadOnlyList<string> needed, Table t) =>
        new(id, statement, Inconclusive, [$"not judged: the run lacks {string.Join(" and ", needed)} (it ran {string.Join(", ", t.Names)})."]);

    // Headline measures per model and seed, paired over the seeds both models have.
    sealed class Table(IReadOnlyList<ModelRecord> models, IReadOnlyList<string> stages)
    {
        // A run that is not a result (nothing unlearned) is no evidence for or against a claim.
        readonly Dictionary<string, Dictionary<int, Dictionary<string, double>>> _rows = models.Where(m => m.IsResult).GroupBy(m => m.Name).ToDictionary(
            g => g.Key, g => g.ToDictionary(m => m.Seed, m => ResultTables.Headline(m, stages, models.FirstOrDefault(r => r.Name == "retrain" && r.Seed == m.Seed))));

        public IReadOnlyList<string> Names => [.. _rows.Keys];
        public string ShallowName => stages.Count > 1 ? $"{stages[0]}..{stages[^2]}" : stages[0];
        public bool Has(string name) => _rows.ContainsKey(name);

        public PairedDifference Difference(string a, string b, string key)
        {
            var seeds = _rows[a].Keys.Intersect(_rows[b].Keys).Order().ToList();
            if (seeds.Count == 0) return new PairedDifference(double.NaN, double.PositiveInfinity, 0);
            return PairedDifference.Of(seeds.Select(s => _rows[a][s][key]).ToList(), seeds.Select(s => _rows[b][s][key]).ToList());
        }
    }

    /// <summary>The verdicts as Markdown (for table.md and docs).</summary>
    public static string Markdown(IReadOnlyList<ClaimVerdict> claims, IReadOnlyList<MetricSeparation> separation)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("Claims of the paper, judged from paired per-seed differences (mean [95 % t-interval]); " +
                      "reproduced / not reproduced when the interval is wholly on one side, inconclusive when it covers the boundary or with one seed.");
        sb.AppendLine();
        foreach (var c in claims)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"- **({c.Id}) {c.Verdict}.** {c.Statement}");
            foreach (var e in c.Evidence) sb.AppendLine(CultureInfo.InvariantCulture, $"  - {e}");
        }
        if (separation.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Can each measure tell Retrain from the Original here (Original minus Retrain, accuracies in points)?");
            sb.AppendLine();
            foreach (var s in separation)
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {s.Measure}: {s.Difference} → {(s.Separates ? "separates" : "cannot separate them on this run")}");
        }
        return sb.ToString();
    }
}
