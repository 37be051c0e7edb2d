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
        ("probe_last", "probe (last)"), ("probe_second_last", "probe (L-1)"), ("seconds", "seconds"),
    ];

    /// <summary>The headline measures of one record (CKA averaged over all stages, and over all but the last).</summary>
    public static Dictionary<string, double> Headline(ModelRecord m, IReadOnlyList<string> stages) => new()
    {
        ["ua"] = m.Ua, ["ra"] = m.Ra, ["ta"] = m.Ta, ["mia"] = m.Mia,
        ["cka_mean"] = m.MeanCka(stages),
        ["cka_shallow"] = stages.Count > 1 ? m.MeanCka(stages.Take(stages.Count - 1)) : m.MeanCka(stages),
        ["probe_last"] = m.ProbeForgetAcc.GetValueOrDefault(stages[^1], double.NaN),
        ["probe_second_last"] = stages.Count > 1 ? m.ProbeForgetAcc.GetValueOrDefault(stages[^2], double.NaN) : double.NaN,
        ["seconds"] = m.Seconds,
    };

    /// <summary>Mean and sample standard deviation per model name over seeds, in the order names first appear.</summary>
    public static List<SummaryRow> Summarise(IReadOnlyList<ModelRecord> models, IReadOnlyList<string> stages) =>
        models.GroupBy(m => m.Name).Select(g =>
        {
            var rows = g.Select(m => Headline(m, stages)).ToList();
            var mean = Measures.ToDictionary(x => x.Key, x => rows.Average(r => r[x.Key]));
            var std = Measures.ToDictionary(x => x.Key, x => rows.Count < 2 ? 0 :
                Math.Sqrt(rows.Sum(r => Math.Pow(r[x.Key] - mean[x.Key], 2)) / (rows.Count - 1)));
            return new SummaryRow { Name = g.Key, Seeds = rows.Count, Mean = mean, Std = std };
        }).ToList();

    /// <summary>The paper-style table: accuracies in %, CKA as a fraction, mean +/- std when there are several seeds.</summary>
    public static string Markdown(ResultsDocument doc)
    {
        var stages = doc.Stages;
        var sb = new StringBuilder();
        string shallow = stages.Count > 1 ? $"CKA {stages[0]}..{stages[^2]}" : "CKA";
        string probeLast = $"probe forget {stages[^1]}", probePrev = stages.Count > 1 ? $"probe forget {stages[^2]}" : "-";
        sb.AppendLine($"Preset `{doc.Preset}`, forgetting {doc.Forget}, seeds {string.Join(", ", doc.Seeds)}. " +
                      "UA, RA, TA, MIA and probes in %; CKA is linear CKA to the Original on test features (lower = further from the Original).");
        sb.AppendLine();
        sb.AppendLine($"| model | UA | RA | TA | MIA | CKA mean | {shallow} | {probePrev} | {probeLast} | seconds |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
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
                          $"{Cell("cka_mean", false, "F3")} | {Cell("cka_shallow", false, "F3")} | {Cell("probe_second_last", true, "F1")} | " +
                          $"{Cell("probe_last", true, "F1")} | {Cell("seconds", false, "F1")} |");
        }
        return sb.ToString();
    }

    /// <summary>One row per model and seed; per-stage values as columns (cka_layer1, probe_forget_layer1, ...).</summary>
    public static string Csv(ResultsDocument doc)
    {
        var stages = doc.Stages;
        var header = new List<string> { "name", "seed", "ua", "ra", "ta", "forget_test_acc", "mia", "seconds", "eval_seconds" };
        header.AddRange(stages.Select(s => $"cka_{s}"));
        header.AddRange(stages.Select(s => $"cka_retrain_{s}"));
        header.AddRange(stages.Select(s => $"probe_forget_{s}"));
        header.AddRange(stages.Select(s => $"knn_forget_{s}"));
        header.Add("relearn_forget_acc");
        var sb = new StringBuilder().AppendLine(string.Join(",", header));
        static string F(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("R", CultureInfo.InvariantCulture) : "";
        foreach (var m in doc.Models)
        {
            var cells = new List<string> { Quote(m.Name), m.Seed.ToString(CultureInfo.InvariantCulture), F(m.Ua), F(m.Ra), F(m.Ta), F(m.ForgetTestAcc), F(m.Mia), F(m.Seconds), F(m.EvalSeconds) };
            cells.AddRange(stages.Select(s => F(m.CkaToOriginal.TryGetValue(s, out var v) ? v : null)));
            cells.AddRange(stages.Select(s => F(m.CkaToRetrain is { } r && r.TryGetValue(s, out var v) ? v : null)));
            cells.AddRange(stages.Select(s => F(m.ProbeForgetAcc.TryGetValue(s, out var v) ? v : null)));
            cells.AddRange(stages.Select(s => F(m.KnnForgetAcc.TryGetValue(s, out var v) ? v : null)));
            cells.Add(Quote(string.Join(" ", m.RelearnForgetAcc.Select(a => F(a)))));
            sb.AppendLine(string.Join(",", cells));
        }
        return sb.ToString();
    }

    static string Quote(string s) => s.Contains(',') || s.Contains('"') || s.Contains(' ') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
}
