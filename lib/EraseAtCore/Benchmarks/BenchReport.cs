using System.Globalization;
using System.Text;

namespace EraseAtCore.Benchmarks;

/// <summary>
/// The output of every <c>erase-core bench</c> command: ordered <c>key=value</c> lines, one figure per line, so a
/// shell script (bench/peer.sh) can pick figures with grep/cut and compare them with a PyTorch peer that prints the
/// same keys. Keys are lower-case ASCII words (letters, digits, '_', '.'); values hold no line break. Numbers are
/// written with the invariant culture.
/// </summary>
public sealed class BenchReport
{
    readonly List<KeyValuePair<string, string>> _lines = [];

    /// <summary>The lines so far, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Lines => _lines;

    /// <summary>
    /// A report that starts with <c>bench=NAME</c>, then the run's environment: device, CPU threads of libtorch,
    /// the CPU kernel caps in force and why (see <see cref="Runtime.CpuKernelGuard"/>) and the libtorch version.
    /// </summary>
    public static BenchReport Start(string bench, TorchSharp.torch.Device device) => new BenchReport()
        .Add("bench", bench)
        .Add("device", device.ToString())
        .Add("threads", TorchSharp.torch.get_num_threads())
        .Add("onednn_isa_cap", Runtime.CpuKernelGuard.Effective ?? "none")
        .Add("cpu_kernel_caps", Runtime.CpuKernelGuard.Describe())
        .Add("cpu_kernel_caps_why", Runtime.CpuKernelGuard.Verdict.Explain())
        .Add("malloc", Runtime.AllocatorTuning.State)
        .Add("libtorch", TorchSharp.torch.__version__);

    /// <summary>The value of <paramref name="key"/> (the last one written), or null.</summary>
    public string? this[string key] => _lines.LastOrDefault(kv => kv.Key == key).Value;

    /// <summary>Adds a text value.</summary>
    public BenchReport Add(string key, string value)
    {
        if (!IsKey(key)) throw new ArgumentException($"'{key}' is not a bench key (lower-case letters, digits, '_' and '.').", nameof(key));
        if (value.Contains('\n') || value.Contains('\r')) throw new ArgumentException($"The value of '{key}' contains a line break.", nameof(value));
        _lines.Add(new(key, value));
        return this;
    }

    /// <summary>Adds an integer value.</summary>
    public BenchReport Add(string key, long value) => Add(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Adds a number with <paramref name="decimals"/> decimals ("nan" when not finite).</summary>
    public BenchReport Add(string key, double value, int decimals = 2) =>
        Add(key, double.IsFinite(value) ? value.ToString("F" + decimals, CultureInfo.InvariantCulture) : "nan");

    /// <summary>Adds every line of <paramref name="other"/>, each key prefixed with <paramref name="prefix"/> and a dot.</summary>
    public BenchReport AddAll(string prefix, BenchReport other)
    {
        foreach (var (k, v) in other.Lines) Add(prefix + "." + k, v);
        return this;
    }

    /// <summary>The lines as text, one <c>key=value</c> per line, each ending with a line feed.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in _lines) sb.Append(k).Append('=').Append(v).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// Reads <c>key=value</c> lines (as <see cref="Render"/> writes them, or as the PyTorch peer prints them); blank
    /// lines are skipped. Throws <see cref="FormatException"/> on any other line.
    /// </summary>
    public static BenchReport Parse(string text)
    {
        var report = new BenchReport();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            int eq = line.IndexOf('=');
            if (eq <= 0 || !IsKey(line[..eq])) throw new FormatException($"Not a key=value bench line: '{line}'.");
            report.Add(line[..eq], line[(eq + 1)..]);
        }
        return report;
    }

    /// <summary>A bench key made from a free name (e.g. a method name such as "neggrad+" or "rl+ec"): lower case, other characters as '_'.</summary>
    public static string KeyOf(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name.ToLowerInvariant()) sb.Append(c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '_');
        return sb.ToString();
    }

    static bool IsKey(string key) => key.Length > 0 && key.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '.');
}
