using System.Text.Json;
using EraseAtCore.CpuProbe;
using TorchSharp;

// erase-core-cpu-probe [--repeats N] [--json] [--stop-at-first-failure]
// Runs the computations that came out wrong at the full instruction set on some machines (docs/cpu-kernels.md),
// under whatever ONEDNN_MAX_CPU_ISA, ATEN_CPU_CAPABILITY and MKL_CBWR it was started with, and reports each.
// Exit 0 when every check passed, 1 when one failed, 2 on bad arguments.
int repeats = 8;
bool json = false, stopAtFirstFailure = false;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--json") json = true;
    else if (args[i] == "--stop-at-first-failure") stopAtFirstFailure = true;
    else if (args[i] == "--repeats" && i + 1 < args.Length && int.TryParse(args[++i], out repeats) && repeats >= 0) { }
    else
    {
        Console.Error.WriteLine($"error: unknown or incomplete argument '{args[i]}'; usage: erase-core-cpu-probe [--repeats N] [--json] [--stop-at-first-failure]");
        return 2;
    }
}

var clock = System.Diagnostics.Stopwatch.StartNew();
EraseAtCore.Runtime.TorchNativePreload.Apply();   // before any torch call (a no-op beside a build output)
torch.InitializeDeviceType(DeviceType.CPU);
double loadMs = clock.Elapsed.TotalMilliseconds;
var results = new List<CheckResult>();
foreach (var result in Checks.ConvInputGradient(repeats).Concat(Checks.MatmulAlignment(repeats)).Concat(Checks.TrainingRepeat(repeats)))
{
    results.Add(result);
    if (stopAtFirstFailure && result.Failures > 0) break; // a failing setting needs no more evidence: the self-test moves on
}
string[] variables = ["ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY", "MKL_CBWR"];
var environment = variables.ToDictionary(v => v, v => Environment.GetEnvironmentVariable(v));
bool passed = results.All(r => r.Failures == 0);

if (json)
{
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        passed,
        libtorch = torch.__version__,
        threads = torch.get_num_threads(),
        environment,
        load_ms = Math.Round(loadMs),
        checks_ms = Math.Round(clock.Elapsed.TotalMilliseconds - loadMs),
        checks = results.Select(r => new { name = r.Name, thread = r.Thread, runs = r.Runs, failures = r.Failures, worst = r.Worst, ms = Math.Round(r.Milliseconds) }),
    }));
}
else
{
    Console.WriteLine($"libtorch {torch.__version__}, {torch.get_num_threads()} threads, " +
                      string.Join(" ", environment.Select(e => $"{e.Key}={e.Value ?? "(unset)"}")));
    foreach (var r in results)
        Console.WriteLine($"{(r.Failures == 0 ? "pass" : "FAIL")}  {r.Name,-20} {r.Thread,-5} thread  {r.Failures}/{r.Runs} failed  {r.Milliseconds,6:F0} ms  {r.Worst}");
    Console.WriteLine(passed ? "every check passed" : "some checks failed: these results are wrong on this machine under these settings");
}
return passed ? 0 : 1;
