using System.CommandLine;
using EraseAtCore.Data;
using EraseAtCore.Experiments;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using Spectre.Console;
using TorchSharp;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core eval`: every metric of one checkpoint on a forget request, optionally against a reference model.</summary>
static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint to evaluate.", Required = true };
        var reference = new Option<string?>("--reference") { Description = "Checkpoint to compare representations with (usually the Original): enables layer-wise CKA." };
        var preset = new Option<string>("--preset") { Description = "Preset whose data and normalisation the checkpoint was trained with.", DefaultValueFactory = _ => "quick" };
        var kernel = new Option<string>("--kernel") { Description = "CKA kernel: linear or rbf.", DefaultValueFactory = _ => "linear" };
        kernel.AcceptOnlyFromAmong("linear", "rbf");
        var debiased = new Option<bool>("--debiased") { Description = "Use the debiased (unbiased HSIC) CKA estimator." };
        var form = new Option<string>("--features") { Description = "Stage features: pooled (global average) or flattened.", DefaultValueFactory = _ => "pooled" };
        form.AcceptOnlyFromAmong("pooled", "flattened");
        var knn = new Option<int>("--knn-k") { Description = "Neighbours of the k-NN evaluation.", DefaultValueFactory = _ => 20 };
        var export = new Option<string?>("--export-features") { Description = "Folder to write the model's test-set stage features (<stage>.npy) and labels.npy to." };
        var forget = new ForgetOptions();
        var dataDir = CommonOptions.DataDir();
        var device = CommonOptions.Device();
        var seed = CommonOptions.Seed();
        var cmd = new Command("eval", "Measure a checkpoint: UA, RA, TA, forget-test accuracy, MIA-efficacy, and per stage CKA to a reference, linear-probe and k-NN accuracy.")
            { model, reference, preset, kernel, debiased, form, knn, export, dataDir, device, seed };
        forget.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            // Everything that can be checked without the data is checked first (the files, the forget request, the numbers); the output folder last.
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            var chosen = Preset.Get(parse.GetValue(preset)!);
            var info = Checkpoint.ReadInfo(parse.GetValue(model)!);
            var refInfo = parse.GetValue(reference) is { } r ? Checkpoint.ReadInfo(r) : null;
            forget.CheckBeforeWork(parse, required: info.Split is null);
            chosen.CheckDataFolder(parse.GetValue(dataDir));
            if (parse.GetValue(knn) < 1) throw new ArgumentException($"--knn-k must be at least 1, got {parse.GetValue(knn)}.");
            var data = chosen.LoadData(new DataSearch { ExplicitFolder = parse.GetValue(dataDir), Log = m => AnsiConsole.WriteLine(m) });
            if (parse.GetValue(knn) > data.Train.Count)
                throw new ArgumentException($"--knn-k {parse.GetValue(knn)} is more than the {data.Train.Count} training images the k-NN compares with; choose at most {data.Train.Count}.");
            // The model is rebuilt from the checkpoint's own description (any --width or --arch it was trained with).
            var loaded = ModelFile.LoadCheckpointFor(parse.GetValue(model)!, chosen, data);
            using var m = loaded.Model;
            var split = forget.Resolve(parse, data, required: true, fallback: info.Split)!;
            LoadedCheckpoint? refLoaded = parse.GetValue(reference) is { } referencePath ? ModelFile.LoadCheckpointFor(referencePath, chosen, data) : null;
            using var refModel = refLoaded?.Model;
            if (refModel is not null && !refModel.StageNames.SequenceEqual(m.StageNames))
                throw new ArgumentException($"--reference {parse.GetValue(reference)} is a {refInfo!.Model.Describe()} with stages {string.Join(", ", refModel.StageNames)}, " +
                                            $"but the model's stages are {string.Join(", ", m.StageNames)}: CKA compares stage with stage. Give a reference with the same stages.");
            if (parse.GetValue(export) is { } exportDir) OutputPath.CheckWritableFolder(exportDir, "--export-features");   // last check: it creates the folder
            m.to(dev); refModel?.to(dev);
            var options = new EvaluationOptions
            {
                Form = parse.GetValue(form) == "flattened" ? FeatureForm.Flattened : FeatureForm.Pooled,
                Cka = new CkaSettings(parse.GetValue(kernel) == "rbf" ? CkaKernel.Rbf : CkaKernel.Linear, parse.GetValue(debiased)),
                KnnK = parse.GetValue(knn), Seed = parse.GetValue(seed),
            };
            AnsiConsole.MarkupLine($"evaluating [bold]{Markup.Escape(loaded.Info.Role)}[/] ({Markup.Escape(loaded.Info.Model.Describe())}) on {data.Name}, forgetting {Markup.Escape(split.ToString())}" +
                                   (refLoaded is null ? "" : $", reference: {Markup.Escape(refLoaded.Info.Role)}"));
            var result = ForgettingEvaluator.Evaluate(m, split, chosen.FeedOn(dev), refModel, options);
            Print(result);
            if (parse.GetValue(export) is { } dir) Export(m, data, chosen, dev, options, dir);
            return 0;
        });
        return cmd;
    }

    public static void Print(ForgettingEvaluation r)
    {
        var l = r.Logits;
        var top = new Table().AddColumns("UA (forget train)", "RA (retain train)", "TA (retain test)", "forget test", "MIA-efficacy");
        top.AddRow($"{l.UA:P2}", $"{l.RA:P2}", $"{l.TA:P2}", double.IsNaN(l.ForgetTest) ? "n/a" : $"{l.ForgetTest:P2}", $"{r.Mia.Efficacy:P2}");
        AnsiConsole.Write(top);
        var stages = new Table().AddColumns("stage", "CKA to reference", "probe acc", "probe acc (forget classes)", "k-NN acc", "k-NN acc (forget classes)");
        foreach (var (stage, probe) in r.Probes)
        {
            string cka = r.CkaToReference is { } c && c.TryGetValue(stage, out var v) ? v.ToString("F4") : "-";
            var k = r.Knn[stage];
            stages.AddRow(stage, cka, $"{probe.Accuracy:P2}", Fmt(probe.ForgetClassAccuracy), $"{k.Accuracy:P2}", Fmt(k.ForgetClassAccuracy));
        }
        AnsiConsole.Write(stages);
        var t = r.Timings;
        AnsiConsole.MarkupLine($"[grey]time: feature extraction {t.Extraction.TotalSeconds:F2} s, CKA {t.Cka.TotalSeconds:F3} s, probes {t.Probes.TotalSeconds:F2} s, " +
                               $"k-NN {t.Knn.TotalSeconds:F2} s, MIA {t.Mia.TotalSeconds:F3} s[/]");
    }

    static string Fmt(double x) => double.IsNaN(x) ? "n/a" : x.ToString("P2");

    static void Export(EraseAtCore.Models.StagedModel model, Dataset data, Preset preset, TorchSharp.torch.Device device, EvaluationOptions options, string dir)
    {
        using var features = FeatureExtractor.Extract(model, data.Test, preset.FeedOn(device), null, options.Form, options.BatchSize);
        foreach (var (stage, matrix) in features.Stages) Npy.Write(Path.Combine(dir, stage + ".npy"), matrix);
        Npy.Write(Path.Combine(dir, "labels.npy"), features.Labels);
        AnsiConsole.MarkupLine($"wrote {features.Stages.Count} feature matrices ({features.Count} test images) and labels.npy to [blue]{Markup.Escape(dir)}[/]");
    }
}
