using System.Globalization;
using EraseAtCore.Data;
using EraseAtCore.Plots;

namespace EraseAtCore.Experiments;

/// <summary>
/// report.html: the table and every chart of a results document in one standalone page (plotly.js embedded
/// once, so it opens offline). Charts show the mean over seeds, with the std over seeds as error bars.
/// </summary>
public static class ReportBuilder
{
    /// <summary>The complete HTML document.</summary>
    public static string Build(ResultsDocument doc)
    {
        var stages = doc.Stages;
        var names = doc.Summary.Select(r => r.Name).ToList();
        var byName = doc.Models.Where(m => m.IsResult).GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.ToList());
        double[] MeanPerStage(string name, Func<ModelRecord, IReadOnlyDictionary<string, double>?> pick) =>
            stages.Select(s => byName[name].Select(m => pick(m) is { } d && d.TryGetValue(s, out var v) ? v : double.NaN).Average()).ToArray();
        // The std over seeds as error bars (none with one seed).
        double[]? StdPerStage(string name, Func<ModelRecord, IReadOnlyDictionary<string, double>?> pick)
        {
            var runs = byName[name];
            if (runs.Count < 2) return null;
            return stages.Select(s =>
            {
                var xs = runs.Select(m => pick(m) is { } d && d.TryGetValue(s, out var v) ? v : double.NaN).ToList();
                double mean = xs.Average();
                return Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1));
            }).ToArray();
        }
        Series PerStage(string name, Func<ModelRecord, IReadOnlyDictionary<string, double>?> pick) => new(name, MeanPerStage(name, pick), StdPerStage(name, pick));
        string? reference = names.Contains("retrain") ? "retrain" : null;
        var sections = new List<PageSection>();
        if (doc.Claims.Count > 0)
            sections.Add(new("Claims of the paper", Charts.Table(["claim", "verdict", "statement", "evidence (mean [95 % interval] over seeds)"],
                doc.Claims.Select(c => (IReadOnlyList<string>)[c.Id, c.Verdict, c.Statement, string.Join(" | ", c.Evidence)]).ToList()),
                "Each verdict comes from per-seed differences between two models: reproduced or not reproduced when the 95 % interval is wholly on one side, " +
                "inconclusive when it covers the boundary or with one seed. docs/findings/protocol.md gives the thresholds."));
        if (doc.Separation.Count > 0)
            sections.Add(new("Can the metrics tell Retrain from the Original?", Charts.Table(["measure", "Original minus Retrain", "verdict"],
                doc.Separation.Select(m => (IReadOnlyList<string>)[m.Measure, m.Difference, m.Separates ? "separates" : "cannot separate them here"]).ToList()),
                "A measure that cannot tell the exact unlearner from the model before unlearning cannot judge a method on this preset; its noise over seeds is the interval."));
        sections.AddRange(new List<PageSection>
        {
            new("Results", Charts.Table(TableHeaders(stages), doc.Summary.Select(r => TableRow(r)).ToList()),
                $"Preset {doc.Preset}, forgetting {doc.Forget}, seeds {string.Join(", ", doc.Seeds)}. UA/RA/TA/MIA and probe accuracies in %, " +
                "CKA to the Original as a fraction. A method that forgets only at the logits has UA near Retrain's but CKA near 1 and a high probe accuracy." +
                (ResultTables.NotResults(doc) is { Length: > 0 } notResults ? " " + notResults : "")),
            new("Linear probe on the forget classes",
                Charts.ProbeByStage(stages, names.Select(n => PerStage(n, m => m.ProbeForgetAcc)).ToList(), reference),
                "A linear classifier fitted on frozen features of all classes, scored on forget-class test images: how much of the forgotten class is still linearly readable."),
            new("Forget, retain and test accuracy",
                Charts.AccuracyBars(names, Means(doc, "ua"), Means(doc, "ra"), Means(doc, "ta"))),
        });
        // A shard may hold only the Original: no curve to compare with it.
        var toOriginal = names.Where(n => n != "original").Select(n => PerStage(n, m => m.CkaToOriginal)).ToList();
        if (toOriginal.Count > 0)
            sections.Insert(1 + (doc.Claims.Count > 0 ? 1 : 0) + (doc.Separation.Count > 0 ? 1 : 0), new("Layer-wise CKA to the Original", Charts.CkaByLayer(stages, toOriginal, reference),
                "Linear CKA between each model's and the Original's stage outputs on test images. Retrain (dashed) is how far an exact unlearner moves; " +
                "curves near 1 at early stages mean the representation there is unchanged."));
        // CKA to Retrain and k-NN with k = 5 exist only when the run has Retrain / records that carry them.
        var toRetrain = names.Where(n => n != "retrain" && byName[n].All(m => m.CkaToRetrain is not null)).Select(n => PerStage(n, m => m.CkaToRetrain)).ToList();
        if (toRetrain.Count > 0)
            sections.Insert(sections.Count - 1, new("Layer-wise CKA to Retrain", Charts.CkaByLayer(stages, toRetrain, null),
                "Linear CKA to Retrain (UUEF's reading): higher = closer to the exact unlearner's representation."));
        var knn5 = names.Where(n => byName[n].All(m => m.KnnUuefForgetAcc.Count > 0)).Select(n => PerStage(n, m => m.KnnUuefForgetAcc)).ToList();
        if (knn5.Count > 0)
            sections.Insert(sections.Count - 1, new("k-NN (k = 5) on the forget classes", Charts.ProbeByStage(stages, knn5, reference),
                "UUEF's protocol: cosine k-NN with k = 5 against the train split's features (forget classes included), scored on forget-class test images."));
        var relearn = names.Where(n => byName[n].All(m => m.RelearnForgetAcc.Count > 0)).Select(n =>
        {
            int k = byName[n].Min(m => m.RelearnForgetAcc.Count);
            return new StepSeries(n, Enumerable.Range(0, k).Select(i => (double)i).ToList(),
                Enumerable.Range(0, k).Select(i => byName[n].Average(m => m.RelearnForgetAcc[i])).ToList());
        }).ToList();
        if (relearn.Count > 0)
            sections.Add(new("Relearning attack", Charts.RelearningCurves(relearn, relearn.Any(s => s.Name == "retrain") ? "retrain" : null),
                "Forget accuracy on held-out forget images while fine-tuning on a small slice of forget images. Retrain (dashed) must learn the class anew; " +
                "a curve that jumps back within a few steps had only hidden the class."));
        if (doc.Projections.Count > 0)
        {
            var forgetClasses = doc.Forget.Kind != ForgetKind.Samples ? doc.Forget.Classes : [];
            var panels = doc.Projections.Select(p => new ProjectionPanel($"{p.Name} ({p.Stage})", p.X, p.Y, p.Labels, doc.ClassNames, forgetClasses)).ToList();
            sections.Add(new("Last-stage features, PCA", Charts.Projection(panels),
                "Test images projected on the first two principal components of each model's last-stage features, coloured by class; forget classes enlarged."));
        }
        sections.Add(new("Timings", Charts.Table(["phase", "seconds"],
            doc.Timings.Select(kv => (IReadOnlyList<string>)[kv.Key, kv.Value.ToString("F1", CultureInfo.InvariantCulture)]).ToList())));
        return Charts.Page($"Erase at the Core: {doc.Preset}, forgetting {doc.Forget}", sections);
    }

    static List<double> Means(ResultsDocument doc, string key) => doc.Summary.Select(r => r.Mean[key]).ToList();

    static List<string> TableHeaders(IReadOnlyList<string> stages) =>
        ["model", "UA", "RA", "TA", "MIA", "CKA mean", stages.Count > 1 ? $"CKA {stages[0]}..{stages[^2]}" : "CKA",
         stages.Count > 1 ? $"probe {stages[^2]}" : "-", $"probe {stages[^1]}", "seconds"];

    static IReadOnlyList<string> TableRow(SummaryRow r)
    {
        string C(string key, double scale, string format) => double.IsNaN(r.Mean[key]) ? "-"
            : (r.Mean[key] * scale).ToString(format, CultureInfo.InvariantCulture) + (r.Seeds > 1 ? " ± " + (r.Std[key] * scale).ToString(format, CultureInfo.InvariantCulture) : "");
        return [r.Name, C("ua", 100, "F2"), C("ra", 100, "F2"), C("ta", 100, "F2"), C("mia", 100, "F2"), C("cka_mean", 1, "F3"),
                C("cka_shallow", 1, "F3"), C("probe_second_last", 100, "F1"), C("probe_last", 100, "F1"), C("seconds", 1, "F1")];
    }
}
