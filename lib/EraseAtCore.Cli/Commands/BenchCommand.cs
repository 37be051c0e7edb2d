using System.CommandLine;
using EraseAtCore.Benchmarks;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using static TorchSharp.torch;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core bench ...`: timings printed as machine-readable key=value lines (<see cref="BenchReport"/>).</summary>
static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure speed and memory; prints key=value lines for scripts (bench/peer.sh compares them with PyTorch).");
        bench.Add(TrainStep());
        bench.Add(UnlearnStep());
        bench.Add(Metrics());
        bench.Add(Loader());
        return bench;
    }

    static Command TrainStep()
    {
        var arch = new Option<string>("--arch") { DefaultValueFactory = _ => "resnet18", Description = "Architecture." };
        var width = Width();
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 128, Description = "Images per step." };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 28, Description = "Image side in pixels." };
        var channels = new Option<int>("--channels") { DefaultValueFactory = _ => 1, Description = "Input channels." };
        var classes = new Option<int>("--classes") { DefaultValueFactory = _ => 10, Description = "Output classes." };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 20, Description = "Timed steps." };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 5, Description = "Untimed steps first." };
        var threads = Threads();
        var device = CommonOptions.Device();
        var cmd = new Command("train", "Time training steps (forward, loss, backward, SGD) on random data; median over the timed steps after warm-up.")
            { arch, width, batch, size, channels, classes, steps, warmup, threads, device };
        cmd.SetAction(parse =>
        {
            var dev = Prepare(parse.GetValue(device), parse.GetValue(threads));
            var spec = new ModelSpec(parse.GetValue(arch)!, parse.GetValue(channels), parse.GetValue(classes), parse.GetValue(width));
            var setup = new TrainStepSetup(spec, parse.GetValue(batch), parse.GetValue(size), parse.GetValue(steps), parse.GetValue(warmup));
            Console.Write(TrainStepBenchmark.Run(setup, dev).ToReport(setup, dev).Render());
            return 0;
        });
        return cmd;
    }

    static Command UnlearnStep()
    {
        var method = new Option<string?>("--method") { Description = "The method to time: rl, ga, ft, neggrad+, salun, scrub, l1-sparse, cu, ec, rl+ec, ..." };
        var compare = new Option<string?>("--compare") { Description = "Two or more methods, comma-separated (e.g. ec,rl): run interleaved and report each one's step time over the last one's (ec_over_rl)." };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 3, Description = "With --compare: rounds, each running every method once." };
        var options = new Option<string[]>("--option") { Description = "With --method: a method option key=value (repeatable), as for `unlearn`.", AllowMultipleArgumentsPerToken = false };
        var width = Width();
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 64, Description = "Images per forget batch and per retain batch." };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 20, Description = "Timed steps per pass." };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 3, Description = "Untimed steps first." };
        var threads = Threads();
        var device = CommonOptions.Device();
        var cmd = new Command("unlearn",
            "Time the steps of an unlearning method (ResNet-18 of the given width, random 28x28 images, one pass of warm-up + steps + 1 full batches); " +
            "median ms per step, and the method's setup (SalUn's mask, EC's head warm-up) separately.")
            { method, compare, rounds, options, width, batch, steps, warmup, threads, device };
        cmd.SetAction(parse =>
        {
            string? one = parse.GetValue(method), several = parse.GetValue(compare);
            if ((one is null) == (several is null)) throw new ArgumentException("Give either --method NAME or --compare A,B.");
            var pairs = parse.GetValue(options) ?? [];
            if (several is not null && pairs.Length > 0) throw new ArgumentException("--option applies to --method only.");
            var dev = Prepare(parse.GetValue(device), parse.GetValue(threads));
            var spec = new ModelSpec("resnet18", 1, 10, parse.GetValue(width));
            UnlearnStepSetup Setup(string name) => new(name.Trim(), spec, parse.GetValue(batch), parse.GetValue(steps), parse.GetValue(warmup))
            {
                Options = pairs.Length == 0 ? null : pairs,
            };
            var report = BenchReport.Start("unlearn", dev)
                .Add("arch", spec.Architecture).Add("width", spec.Width).Add("batch", parse.GetValue(batch)).Add("size", 28)
                .Add("steps", parse.GetValue(steps)).Add("warmup", parse.GetValue(warmup)).Add("data", "random");
            if (one is not null)
            {
                var times = UnlearnStepBenchmark.Run(Setup(one), dev);
                report.Add("forget_images", times.ForgetImages).Add("retain_images", times.RetainImages);
                foreach (var (k, v) in times.ToReport().Lines) report.Add(k, v);
            }
            else
            {
                var names = several!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var result = UnlearnStepBenchmark.Compare(names.Select(Setup).ToList(), parse.GetValue(rounds), dev);
                foreach (var (k, v) in result.ToReport().Lines) report.Add(k, v);
            }
            Console.Write(report.Add("peak_rss_mib", ProcessMemory.PeakResidentMiB(), 0).Render());
            return 0;
        });
        return cmd;
    }

    static Command Metrics()
    {
        var n = new Option<int>("--n") { DefaultValueFactory = _ => 10000, Description = "Images (e.g. 1000, 10000, 50000): the embedded Fashion-MNIST, repeated with shifts and mirrors past 7000." };
        var width = Width();
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 256, Description = "Images per forward pass." };
        var rbfRows = new Option<int>("--rbf-full-max") { DefaultValueFactory = _ => 10000, Description = "RBF CKA on all rows up to this n; batch-averaged over batches of this many rows above." };
        var threads = Threads();
        var device = CommonOptions.Device();
        var cmd = new Command("metrics",
            "Time feature extraction of two ResNet-18 models over n 28x28 images (all stages), then linear and RBF CKA, linear probes and k-NN over all stages; " +
            "prints cka_probes_over_forward = (linear CKA + probes) / forward passes.")
            { n, width, batch, rbfRows, threads, device };
        cmd.SetAction(parse =>
        {
            var dev = Prepare(parse.GetValue(device), parse.GetValue(threads));
            var spec = new ModelSpec("resnet18", 1, 10, parse.GetValue(width));
            var setup = new MetricsSetup(parse.GetValue(n), spec, parse.GetValue(batch), RbfFullMaxRows: parse.GetValue(rbfRows));
            var times = MetricsBenchmark.Run(setup, dev);
            var report = BenchReport.Start("metrics", dev)
                .Add("arch", spec.Architecture).Add("width", spec.Width).Add("batch", setup.BatchSize).Add("size", 28)
                .Add("data", setup.Count <= 7000 ? "embedded" : "embedded+shifted-mirrored-repeats");
            foreach (var (k, v) in times.ToReport().Lines) report.Add(k, v);
            Console.Write(report.Render());
            return 0;
        });
        return cmd;
    }

    static Command Loader()
    {
        var folder = new Option<string>("--folder") { Description = "ImageNet-style folder (ROOT/train/<class>/*.jpg, ROOT/val/...); its train/ images are read.", Required = true };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 224, Description = "Image side produced." };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 64, Description = "Images per batch." };
        var batches = new Option<int>("--batches") { DefaultValueFactory = _ => 10, Description = "Timed batches (one untimed batch first)." };
        var workers = new Option<int>("--workers") { DefaultValueFactory = _ => Environment.ProcessorCount, Description = "Decoding threads." };
        var eval = new Option<bool>("--eval") { Description = "The evaluation transform (resize 256, centre 224) instead of the training one (RandomResizedCrop, flip)." };
        var arch = new Option<string?>("--arch") { Description = "Also train this model on the batches (e.g. resnet50-imagenet) and report how long each step waits for data." };
        var threads = Threads();
        var device = CommonOptions.Device();
        var cmd = new Command("loader", "Images per second of the streaming image-folder loader (decoding, transform, normalisation), alone or feeding training steps.")
            { folder, size, batch, batches, workers, eval, arch, threads, device };
        cmd.SetAction(parse =>
        {
            var dev = Prepare(parse.GetValue(device), parse.GetValue(threads));
            var spec = parse.GetValue(arch) is { } a ? new ModelSpec(a, 3, 2) : null;
            var setup = new LoaderSetup(parse.GetValue(folder)!, parse.GetValue(size), parse.GetValue(batch), parse.GetValue(batches),
                parse.GetValue(workers), !parse.GetValue(eval), spec);
            Console.Write(LoaderBenchmark.Run(setup, dev).Render());
            return 0;
        });
        return cmd;
    }

    static Option<int> Width() => new("--width") { DefaultValueFactory = _ => 16, Description = "ResNet width w." };

    static Option<int?> Threads() => new("--threads") { Description = "CPU threads (default: libtorch's choice)." };

    static Device Prepare(string? device, int? threads)
    {
        var dev = DeviceChoice.Resolve(device);
        if (threads is { } t) set_num_threads(t);
        return dev;
    }
}
