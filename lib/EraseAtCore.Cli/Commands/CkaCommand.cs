using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EraseAtCore.Metrics;
using EraseAtCore.Runtime;
using static TorchSharp.torch;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core cka A.npy B.npy`: CKA between two saved representations of the same examples.</summary>
static class CkaCommand
{
    public static Command Create()
    {
        var first = new Argument<string>("A.npy") { Description = "First representation, n x d1 (.npy of float32, float64 or int64; extra dimensions are flattened)." };
        var second = new Argument<string>("B.npy") { Description = "Second representation of the same n examples in the same order, n x d2." };
        var kernel = new Option<string>("--kernel") { DefaultValueFactory = _ => "linear", Description = "linear | rbf (Gaussian, bandwidth a fraction of the median pairwise distance)." };
        kernel.AcceptOnlyFromAmong("linear", "rbf");
        var debiased = new Option<bool>("--debiased") { Description = "Use the unbiased HSIC estimator (Song et al. 2012): no positive bias from finite n." };
        var batch = new Option<int?>("--batch") { Description = "UUEF's protocol: mean of the CKA of consecutive batches of N rows (a last batch under 4 rows is dropped)." };
        var sigma = new Option<double>("--sigma-fraction") { DefaultValueFactory = _ => 1.0, Description = "RBF bandwidth as a fraction of the median pairwise distance." };
        var form = new Option<string>("--form") { DefaultValueFactory = _ => "auto", Description = "Linear CKA: auto | feature (d x d) | gram (n x n); same value, different cost." };
        form.AcceptOnlyFromAmong("auto", "feature", "gram");
        var device = CommonOptions.Device();
        var cmd = new Command("cka", "Centered Kernel Alignment of two representations (.npy matrices, rows = examples); prints key=value lines.")
            { first, second, kernel, debiased, batch, sigma, form, device };
        cmd.SetAction(parse =>
        {
            string pathA = parse.GetValue(first)!, pathB = parse.GetValue(second)!;
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            var k = parse.GetValue(kernel) == "rbf" ? CkaKernel.Rbf : CkaKernel.Linear;
            bool unbiased = parse.GetValue(debiased);
            int? batchSize = parse.GetValue(batch);
            var linearForm = Enum.Parse<LinearCkaForm>(parse.GetValue(form)!, ignoreCase: true);
            if (k == CkaKernel.Rbf && linearForm != LinearCkaForm.Auto) throw new ArgumentException("--form applies to linear CKA only.");
            if (batchSize is not null && linearForm != LinearCkaForm.Auto) throw new ArgumentException("--form cannot be combined with --batch.");

            using var scope = NewDisposeScope();
            var x = Load(pathA).to(dev);
            var y = Load(pathB).to(dev);
            long n = x.shape[0], d1 = x.shape[1], d2 = y.shape[1];
            var clock = Stopwatch.StartNew();
            double value;
            string how;
            if (batchSize is { } b)
            {
                value = Cka.BatchAveraged(x, y, b, k, unbiased, parse.GetValue(sigma));
                how = $"batch-averaged ({Cka.BatchCount(n, b)} batches of up to {b})";
            }
            else if (k == CkaKernel.Rbf)
            {
                value = Cka.Rbf(x, y, parse.GetValue(sigma), unbiased);
                how = "gram";
            }
            else
            {
                if (linearForm == LinearCkaForm.Auto) linearForm = Cka.ChooseForm(n, d1, d2);
                value = Cka.Linear(x, y, unbiased, linearForm);
                how = linearForm.ToString().ToLowerInvariant();
            }
            clock.Stop();
            // Finite inputs give a NaN as 0/0 (a representation that does not vary across the examples) or, debiased, as the
            // square root of a self-similarity estimated below zero on few examples.
            if (double.IsNaN(value))
            {
                string? constant = !Varies(x) ? pathA : !Varies(y) ? pathB : null;
                throw new ArgumentException(constant is not null
                    ? $"CKA is undefined here: {Path.GetFileName(constant)} is the same for every example (no variance after centering), so there is " +
                      "nothing to align; check that the features were extracted from the right layer and inputs."
                    : $"CKA came out undefined (NaN) on these {n} examples: the debiased estimator's self-similarity was not positive; " +
                      "use more examples or drop --debiased.");
            }
            var lines = new (string, object)[]
            {
                ("cka", value.ToString("F6", CultureInfo.InvariantCulture)), ("kernel", k.ToString().ToLowerInvariant()),
                ("debiased", unbiased ? "true" : "false"), ("form", how), ("n", n), ("d1", d1), ("d2", d2),
                ("device", dev.ToString()), ("ms", clock.Elapsed.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture)),
            };
            foreach (var (key, v) in lines) Console.WriteLine($"{key}={v}");
            string name = k == CkaKernel.Rbf ? "RBF" : "linear";
            Console.WriteLine($"{(unbiased ? "Debiased " + name : char.ToUpperInvariant(name[0]) + name[1..])} CKA of {Path.GetFileName(pathA)} ({n} x {d1}) and {Path.GetFileName(pathB)} ({n} x {d2}): " +
                              $"{value.ToString("F4", CultureInfo.InvariantCulture)} ({how}).");
            return 0;
        });
        return cmd;
    }

    static bool Varies(Tensor features)
    {
        using var scope = NewDisposeScope();
        var f = features.to_type(ScalarType.Float64);
        return (f - f.mean([0], keepdim: true)).abs().max().item<double>() > 0;
    }

    // Rows are examples; a 1-D array is one feature per example, more dimensions are flattened (as UUEF's view(n, -1)).
    static Tensor Load(string path)
    {
        var t = Npy.Read(path);
        long bad = t.isfinite().logical_not().sum().item<long>();
        if (bad > 0)
            throw new ArgumentException($"{path} holds {bad} NaN or infinite value(s) of {t.numel()}: CKA of such features is undefined; " +
                                        "find where they came from (a diverged model, a division by zero) and export the features again.");
        return t.dim() switch
        {
            0 => throw new ArgumentException($"{path} holds a single number, not an n x d matrix."),
            1 => t.unsqueeze(1),
            2 => t,
            _ => t.flatten(1),
        };
    }
}
