using System.Globalization;
using System.Text;

namespace EraseAtCore.Experiments;

/// <summary>The summary rows, the paper-style Markdown table and the CSV of a results document.</summary>
public static class ResultTables
{
    /// <summary>Headline measures, in table order: key and column title.</summary>
    public static IReadOnlyList<(string Key, string Title)> Measures { get; } =
    [
        ("ua", "UA"), ("ra", "RA"), ("ta", "TA"), ("mia", "MIA"), ("cka_mean", "CKA mean"), ("cka_shallow", "CKA l1..l(L-1)"),
        ("cka_retrain_shallow", "CKA to Retrain l1..l(L-1)"),
        ("probe_last", "probe (last)"), ("probe_second_last", "probe (L-1)"), ("knn_last", "k-NN k=20 (last)"), ("knn5_last", "k-NN k=5 (last)"),
        ("probe_gap", "probe gap to Retrain (last)"), ("knn5_gap", "k-NN k=5 gap to Retrain (last)"), ("seconds", "seconds"),
    ];

    /// <summary>
    /// The headline measures of one record: CKA averaged over all stages and over all but the last, to the Original
    /// and to Retrain; probe and k-NN accuracy on forget-class test images at the last stages, and as gaps to
    /// <paramref name="retrain"/> of the same seed (NaN without one).
    /// </summary>
    public static Dictionary<string, double> Headline(ModelRecord m, IReadOnlyList<string> stages, ModelRecord? retrain = null)
    {
        var shallow = stages.Count > 1 ? stages.Take(stages.Count - 1).ToList() : stages.ToList();
        double At(IReadOnlyDictionary<string, double>? d, string stage) => d is not null && d.TryGetValue(stage, out var v) ? v : double.NaN;
        double Mean(IReadOnlyDictionary<string, double>? d, IEnumerable<string> over) => d is null ? double.NaN : over.Select(s => At(d, s)).Average();
        double probe = At(m.ProbeForgetAcc, stages[^1]), knn5 = At(m.KnnUuefForgetAcc, stages[^1]);
        return new()
        {
            ["ua"] = m.Ua, ["ra"] = m.Ra, ["ta"] = m.Ta, ["mia"] = m.Mia,
            ["cka_mean"] = Mean(m.CkaToOriginal, stages), ["cka_shallow"] = Mean(m.CkaToOriginal, shallow),
            ["cka_retrain_shallow"] = Mean(m.CkaToRetrain, shallow),
            ["probe_last"] = probe, ["probe_second_last"] = stages.Count > 1 ? At(m.ProbeForgetAcc, stages[^2]) : double.NaN,
            ["knn_last"] = At(m.KnnForgetAcc, stages[^1]), ["knn5_last"] = knn5,
            ["probe_gap"] = retrain is null ? double.NaN : probe - At(retrain.ProbeForgetAcc, stages[^1]),
            ["knn5_gap"] = retrain is null ? double.NaN : knn5 - At(retrain.KnnUuefForgetAcc, stages[^1]),
            ["seconds"] = m.Seconds,
        };
    }

    /// <summary>
    /// Mean and sample standard deviation per model name over seeds, in the order names first appear. Records that are not
    /// results (<see cref="ModelRecord.IsResult"/>) are left out.
    /// </summary>
    public static List<SummaryRow> Summarise(IReadOnlyList<ModelRecord> all, IReadOnlyList<string> stages) =>
        all.Where(m => m.IsResult).ToList() is var models ? models.GroupBy(m => m.Name).Select(g =>
        {
            var rows = g.Select(m => Headline(m, stages, models.FirstOrDefault(r => r.Name == "retrain" && r.Seed == m.Seed))).ToList();
            var mean = Measures.ToDictionary(x => x.Key, x => rows.Average(r => r[x.Key]));
            var std = Measures.ToDictionary(x => x.Key, x => rows.Count < 2 ? 0 :
                Math.Sqrt(rows.Sum(r => Math.Pow(r[x.Key] - mean[x.Key], 2)) / (rows.Count - 1)));
            return new SummaryRow { Name = g.Key, Seeds = rows.Count, Mean = mean, Std = std };
        }).ToList() : [];

    /// <summary>One sentence naming the runs that are not results and why (empty when every run is one).</summary>
    public static string NotResults(ResultsDocument doc) =>
        doc.Models.Where(m => !m.IsResult).ToList() is { Count: > 0 } failed
            ? "Not in the tables, charts or verdicts (" + UnlearningWords + "): " +
              string.Join("; ", failed.Select(m => $"{m.Name} (seed {m.Seed}) {m.Status}: {m.StopReason}")) + "."
            : "";

    const string UnlearningWords = "the divergence guard kept no step, so the weights are the Original's and nothing was unlearned";

    /// <summary>The paper-style table: accuracies in %, CKA as a fraction, mean +/- std when there are several seeds.</summary>
    public static string Markdown(ResultsDocument doc)
    {
        var stages = doc.Stages;
        var sb = new StringBuilder();
        string shallow = stages.Count > 1 ? $"CKA {stages[0]}..{stages[^2]}" : "CKA";
        string probeLast = $"probe forget {stages[^1]}", probePrev = stages.Count > 1 ? $"probe forget {stages[^2]}" : "-";
        sb.AppendLine($"Preset `{doc.Preset}`, forgetting {doc.Forget}, seeds {string.Join(", ", doc.Seeds)}. " +
                      "UA, RA, TA, MIA, probes and k-NN in %; CKA is linear CKA on test features to the Original (lower = further from it) and to Retrain. " +
                      $"Gaps are the model's forget-class accuracy at {stages[^1]} minus Retrain's on the same seed (0 = as little left as Retrain).");
        sb.AppendLine();
        if (doc.Missing.Count > 0)
        {
            sb.AppendLine($"**Incomplete grid**: {doc.Missing.Count} models have no result ({string.Join(", ", doc.Missing)}); means and verdicts below leave them out.");
            sb.AppendLine();
        }
        sb.AppendLine($"| model | UA | RA | TA | MIA | CKA mean | {shallow} | {shallow.Replace("CKA", "CKA to Retrain")} | {probePrev} | {probeLast} | k-NN5 {stages[^1]} | probe gap | k-NN5 gap | seconds |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in doc.Summary)
        {
            string Cell(string key, bool percent, string format)
            {
                double m = row.Mean[key], s = row.Std[key];
                if (double.IsNaN(m)) return "-";
                double k = percent ? 100 : 1;
                return row.Seeds > 1 ? $"{(m * k).ToString(format, CultureInfo.InvariantCulture)} ± {(s * k).ToString(format, CultureInfo.InvariantCulture)}"
                                     : (m * k).ToString(format, CultureInfo.InvariantCulture);
            }
            sb.AppendLine($"| {row.Name} | {Cell("ua", true, "F2")} | {Cell("ra", true, "F2")} | {Cell("ta", true, "F2")} | {Cell("mia", true, "F2")} | " +
                          $"{Cell("cka_mean", false, "F3")} | {Cell("cka_shallow", false, "F3")} | {Cell("cka_retrain_shallow", false, "F3")} | {Cell("probe_second_last", true, "F1")} | " +
                          $"{Cell("probe_last", true, "F1")} | {Cell("knn5_last", true, "F1")} | {Cell("probe_gap", true, "F1")} | {Cell("knn5_gap", true, "F1")} | {Cell("seconds", false, "F1")} |");
        }
        if (NotResults(doc) is { Length: > 0 } notResults) sb.AppendLine().AppendLine(notResults);
        if (doc.Claims.Count > 0)
        {
            sb.AppendLine();
            sb.Append(Claims.Markdown(doc.Claims, doc.Separation));
        }
        return sb.ToString();
    }

    /// <summary>One row per model and seed; per-stage values as columns (cka_layer1, probe_forget_layer1, ...).</summary>
    public static string Csv(ResultsDocument doc)
    {
        var stages = doc.Stages;
        var header = new List<string> { "name", "seed" };
        header.AddRange(ModelRecord.ScalarMeasures.Select(measure => measure.Column));
        header.AddRange(ModelRecord.StageMeasures.SelectMany(measure => stages.Select(s => $"{measure.Column}_{s}")));
        header.Add("relearn_forget_acc");
        header.Add("status");
        var sb = new StringBuilder().AppendLine(string.Join(",", header));
        static string F(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("R", CultureInfo.InvariantCulture) : "";
        foreach (var m in doc.Models)
        {
            var cells = new List<string> { Quote(m.Name), m.Seed.ToString(CultureInfo.InvariantCulture) };
            cells.AddRange(ModelRecord.ScalarMeasures.Select(measure => F(measure.Of(m))));
            cells.AddRange(ModelRecord.StageMeasures.SelectMany(measure => stages.Select(s => F(measure.Of(m) is { } d && d.TryGetValue(s, out var v) ? v : null))));
            cells.Add(Quote(string.Join(" ", m.RelearnForgetAcc.Select(a => F(a)))));
            cells.Add(m.Status);
            sb.AppendLine(string.Join(",", cells));
        }
        return sb.ToString();
    }

    static string Quote(string s) => s.Contains(',') || s.Contains('"') || s.Contains(' ') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
}
