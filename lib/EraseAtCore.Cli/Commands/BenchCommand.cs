using System.CommandLine;
using EraseAtCore.Benchmarks;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using static TorchSharp.torch;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core bench ...`: timings printed as machine-readable key=value lines.</summary>
static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure speed and memory; prints key=value lines for scripts.");
        bench.Add(TrainStep());
        return bench;
    }

    static Command TrainStep()
    {
        var arch = new Option<string>("--arch") { DefaultValueFactory = _ => "resnet18", Description = "Architecture." };
        var width = new Option<int>("--width") { DefaultValueFactory = _ => 16, Description = "ResNet width w." };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 128, Description = "Images per step." };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 28, Description = "Image side in pixels." };
        var channels = new Option<int>("--channels") { DefaultValueFactory = _ => 1, Description = "Input channels." };
        var classes = new Option<int>("--classes") { DefaultValueFactory = _ => 10, Description = "Output classes." };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 20, Description = "Timed steps." };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 5, Description = "Untimed steps first." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads (default: libtorch's choice)." };
        var device = CommonOptions.Device();
        var cmd = new Command("train", "Time training steps (forward, loss, backward, SGD) on random data; median over the timed steps after warm-up.")
            { arch, width, batch, size, channels, classes, steps, warmup, threads, device };
        cmd.SetAction(parse =>
        {
            var dev = DeviceChoice.Resolve(parse.GetValue(device));
            if (parse.GetValue(threads) is { } t) set_num_threads(t);
            var spec = new ModelSpec(parse.GetValue(arch)!, parse.GetValue(channels), parse.GetValue(classes), parse.GetValue(width));
            var setup = new TrainStepSetup(spec, parse.GetValue(batch), parse.GetValue(size), parse.GetValue(steps), parse.GetValue(warmup));
            var r = TrainStepBenchmark.Run(setup, dev);
            var lines = new (string, object)[]
            {
                ("bench", "train"), ("arch", spec.Architecture), ("width", spec.Width), ("batch", setup.Batch), ("size", setup.Size),
                ("channels", spec.InChannels), ("steps", setup.Steps), ("warmup", setup.Warmup), ("device", dev.ToString()),
                ("threads", get_num_threads()), ("onednn_isa_cap", CpuKernelGuard.Effective ?? "none"),
                ("train_step_ms", r.MedianMs.ToString("F2")), ("train_step_ms_min", r.StepMs.Min().ToString("F2")),
                ("train_step_ms_max", r.StepMs.Max().ToString("F2")), ("images_per_s", (setup.Batch * 1000 / r.MedianMs).ToString("F1")),
                ("peak_rss_mib", r.PeakRssMiB.ToString("F0")),
            };
            foreach (var (k, v) in lines) Console.WriteLine($"{k}={v}");
            return 0;
        });
        return cmd;
    }
}
