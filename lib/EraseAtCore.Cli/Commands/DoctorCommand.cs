using System.CommandLine;
using EraseAtCore.Runtime;

namespace EraseAtCore.Cli.Commands;

/// <summary>
/// `erase-core doctor [--rerun] [--repeats N]`: the CPU kernel verdict in force (which instruction-set caps, and why),
/// and the self-test run again on demand. Prints key=value lines.
/// </summary>
static class DoctorCommand
{
    public static Command Create()
    {
        var rerun = new Option<bool>("--rerun") { Description = "Run the CPU self-test again now, whatever is cached, and cache its verdict for the processes that follow." };
        var repeats = new Option<int?>("--repeats")
        {
            Description = $"With --rerun: new-thread repeats of each check (default {CpuSelfTest.DefaultRepeats}; more find rarer failures, each repeat costs about 0.1 s per setting tried).",
        };
        var cmd = new Command("doctor", "Show which CPU kernel caps are in force here and why (the self-test's verdict); --rerun tests again.") { rerun, repeats };
        cmd.SetAction(parse =>
        {
            int? n = parse.GetValue(repeats);
            if (n is not null && !parse.GetValue(rerun)) throw new ArgumentException("--repeats applies to a rerun: add --rerun (erase-core doctor --rerun --repeats N).");
            if (n is < 0 or > 10_000) throw new ArgumentException($"--repeats must be between 0 and 10000 (got {n}).");
            var cpu = CpuIdentity.Current;
            Console.WriteLine($"cpu={cpu}");
            Console.WriteLine($"cpu_vector_flags={cpu.VectorFlags}");
            Console.WriteLine($"torchsharp={CpuKernelGuard.TorchSharpVersion}");
            Console.WriteLine($"verdict_file={CpuVerdictCache.Default.PathFor(CpuKernelGuard.VerdictKey)}");
            Console.WriteLine($"user_set={(CpuKernelGuard.UserSettings.Count == 0 ? "none" : string.Join(" ", CpuKernelGuard.UserSettings.Select(u => $"{u.Key}={u.Value}")))}");
            Console.WriteLine($"in_force={CpuKernelGuard.Describe()}");
            Print("verdict", CpuKernelGuard.Verdict);
            if (parse.GetValue(rerun))
            {
                var fresh = CpuKernelGuard.Rerun(n ?? CpuSelfTest.DefaultRepeats, step => Console.Error.WriteLine($"doctor: {step}"));
                Print("rerun", fresh);
                bool cached = fresh.Status == CpuVerdictStatus.Passed && CpuVerdictCache.Default.Read(CpuKernelGuard.VerdictKey)?.TestedAt == fresh.TestedAt;
                Console.WriteLine(cached
                    ? "rerun_note=cached; processes started from now on use it (this one keeps the caps it started with)"
                    : $"rerun_note=not cached ({fresh.Status}): {fresh.Source}{(fresh.Status == CpuVerdictStatus.Passed ? " (the cache could not be written)" : "")}");
            }
            return 0;
        });
        return cmd;
    }

    static void Print(string prefix, CpuKernelVerdict verdict)
    {
        Console.WriteLine($"{prefix}.caps={verdict.Caps}");
        Console.WriteLine($"{prefix}.status={verdict.Status}");
        Console.WriteLine($"{prefix}.source={verdict.Origin}");
        Console.WriteLine($"{prefix}.why={verdict.Explain()}");
        Console.WriteLine($"{prefix}.tested_at={verdict.TestedAt:u}");
        Console.WriteLine($"{prefix}.seconds={verdict.Seconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)}");
        for (int i = 0; i < verdict.Log.Count; i++) Console.WriteLine($"{prefix}.probe{i + 1}={verdict.Log[i]}");
    }
}
