using EraseAtCore.Experiments;

namespace EraseAtCore.Tests.Experiments;

/// <summary>The verdict logic on hand-made records: each verdict follows from the paired intervals, never from a single seed.</summary>
public sealed class ClaimsTests
{
    static readonly string[] Stages = ["layer1", "layer2", "layer3", "layer4"];

    // A record whose CKA to the Original is `cka` at every stage, with the given accuracies and last-stage probe / k-NN.
    static ModelRecord R(string name, int seed, double cka, double ua = 0, double ra = 0.95, double ta = 0.9, double probe = 0.5, double knn = 0.5) => new()
    {
        Name = name, Seed = seed, Ua = ua, Ra = ra, Ta = ta,
        CkaToOriginal = Stages.ToDictionary(s => s, _ => cka),
        ProbeForgetAcc = Stages.ToDictionary(s => s, _ => probe), KnnUuefForgetAcc = Stages.ToDictionary(s => s, _ => knn),
        KnnForgetAcc = Stages.ToDictionary(s => s, _ => knn),
    };

    // Three seeds; `noise` shifts every model of a seed alike (paired differences cancel it) unless `jitter` breaks the pairing.
    static List<ModelRecord> Run(double ecCka, double ecRa, double jitter = 0, double ecProbe = 0.3)
    {
        var list = new List<ModelRecord>();
        for (int s = 0; s < 3; s++)
        {
            double noise = 0.02 * s, j = jitter * (s % 2 == 0 ? 1 : -1);
            list.Add(R("original", s, 1, ua: 1, ra: 0.96, ta: 0.92, probe: 0.9, knn: 0.9));
            list.Add(R("retrain", s, 0.85 + noise, probe: 0.2, knn: 0.2));
            foreach (var b in Claims.Baselines) list.Add(R(b, s, 0.97 + noise, ra: 0.95, probe: 0.8, knn: 0.8));
            list.Add(R("ec", s, ecCka + noise + j, ra: ecRa, ta: 0.9, probe: ecProbe + j, knn: ecProbe + j));
            list.Add(R("rl+ec", s, ecCka + noise + j, ra: ecRa, probe: ecProbe, knn: ecProbe));
        }
        return list;
    }

    static string Verdict(IReadOnlyList<ModelRecord> models, string id) => Claims.Judge(models, Stages).Single(c => c.Id == id).Verdict;

    [Fact]
    public void A_clear_effect_over_three_seeds_is_reproduced()
    {
        var models = Run(ecCka: 0.90, ecRa: 0.95);
        Assert.Equal(Claims.Reproduced, Verdict(models, "a"));
        Assert.Equal(Claims.Reproduced, Verdict(models, "b"));
        Assert.Equal(Claims.Reproduced, Verdict(models, "c"));
        Assert.Equal(Claims.Reproduced, Verdict(models, "d"));
        Assert.Equal(Claims.Reproduced, Verdict(models, "e"));
    }

    [Fact]
    public void The_opposite_effect_is_not_reproduced_and_a_noisy_one_is_inconclusive()
    {
        var worse = Run(ecCka: 0.99, ecRa: 0.80, ecProbe: 0.95);
        Assert.Equal(Claims.NotReproduced, Verdict(worse, "b"));
        Assert.Equal(Claims.NotReproduced, Verdict(worse, "d"));
        Assert.Equal(Claims.NotReproduced, Verdict(worse, "e"));
        // Mean below the baselines but a spread across seeds wider than the difference.
        var noisy = Run(ecCka: 0.95, ecRa: 0.95, jitter: 0.08);
        Assert.Equal(Claims.Inconclusive, Verdict(noisy, "b"));
    }

    [Fact]
    public void One_seed_is_always_inconclusive_and_missing_models_say_so()
    {
        var one = Run(ecCka: 0.5, ecRa: 0.95).Where(m => m.Seed == 0).ToList();
        Assert.All(Claims.Judge(one, Stages), c => Assert.Equal(Claims.Inconclusive, c.Verdict));
        var noEc = Run(ecCka: 0.9, ecRa: 0.95).Where(m => !m.Name.Contains("ec")).ToList();
        var b = Claims.Judge(noEc, Stages).Single(c => c.Id == "b");
        Assert.Equal(Claims.Inconclusive, b.Verdict);
        Assert.Contains("lacks ec", b.Evidence[0]);
    }

    [Fact]
    public void Lower_cka_at_an_unmatched_retain_accuracy_is_not_counted_as_reproduced()
    {
        // EC far from the Original but with RA 10 points below the baselines': not "at matched UA and RA".
        var models = Run(ecCka: 0.80, ecRa: 0.85);
        var b = Claims.Judge(models, Stages).Single(c => c.Id == "b");
        Assert.Equal(Claims.Inconclusive, b.Verdict);
        Assert.Contains("not matched", b.Evidence[0]);
    }

    [Fact]
    public void Separation_reports_a_measure_that_cannot_tell_Retrain_from_the_Original()
    {
        var models = Run(ecCka: 0.9, ecRa: 0.95);
        // Make the probe equal for Original and Retrain up to seed noise: it cannot separate them.
        models = models.Select(m => m.Name is "original" or "retrain"
            ? m with { ProbeForgetAcc = Stages.ToDictionary(s => s, _ => 0.8 + (m.Seed == 1 ? 0.05 : 0) * (m.Name == "retrain" ? 1 : -1)) } : m).ToList();
        var sep = Claims.Separation(models, Stages).ToDictionary(s => s.Measure);
        Assert.True(sep["cka_shallow"].Separates);
        Assert.False(sep["probe_last"].Separates);
    }

    [Fact]
    public void Paired_intervals_use_the_t_quantile()
    {
        var d = PairedDifference.Of([1.0, 2.0, 3.0], [0.0, 0.0, 0.0]);
        Assert.Equal(2.0, d.Mean, 10);
        Assert.Equal(4.303 * 1.0 / Math.Sqrt(3), d.HalfWidth, 6);
        Assert.True(double.IsPositiveInfinity(PairedDifference.Of([1.0], [0.0]).HalfWidth));
        Assert.Throws<ArgumentException>(() => PairedDifference.Of([1.0], [0.0, 1.0]));
    }
}
