using System.Security.Cryptography;
using System.Text;

namespace EraseAtCore.Runtime;

/// <summary>
/// Which CPU this is, as /proc/cpuinfo says (vendor, family, model, stepping, name, microcode, vector extensions),
/// and which libtorch the kit runs on: what a self-test verdict holds for.
/// </summary>
public sealed record CpuIdentity(string Vendor, int Family, int Model, int Stepping, string Name, string Microcode, string VectorFlags)
{
    /// <summary>This machine's CPU (fields empty or -1 where /proc/cpuinfo is missing, as on macOS and Windows).</summary>
    public static CpuIdentity Current { get; } = Read("/proc/cpuinfo");

    /// <summary>Reads the first processor's block of a /proc/cpuinfo file.</summary>
    public static CpuIdentity Read(string cpuinfoPath)
    {
        var fields = new Dictionary<string, string>();
        try
        {
            foreach (string line in File.ReadLines(cpuinfoPath))
            {
                if (line.Length == 0 && fields.Count > 0) break; // the first processor is enough: the self-test is per model, not per core
                int colon = line.IndexOf(':');
                if (colon > 0) fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        int Number(string key) => int.TryParse(fields.GetValueOrDefault(key), out int n) ? n : -1;
        string vectors = string.Join(" ", (fields.GetValueOrDefault("flags") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(f => f.StartsWith("avx", StringComparison.Ordinal) || f.StartsWith("amx", StringComparison.Ordinal) || f is "fma" or "f16c").Order(StringComparer.Ordinal));
        return new CpuIdentity(fields.GetValueOrDefault("vendor_id") ?? "", Number("cpu family"), Number("model"), Number("stepping"),
            fields.GetValueOrDefault("model name") ?? "", fields.GetValueOrDefault("microcode") ?? "", vectors);
    }

    /// <summary>Whether the CPU has AVX-512 Foundation.</summary>
    public bool HasAvx512 => VectorFlags.Split(' ').Contains("avx512f");

    /// <summary>"AMD EPYC (AuthenticAMD family 26 model 2 stepping 1)".</summary>
    public override string ToString() => $"{(Name.Length > 0 ? Name : "unknown CPU")} ({Vendor} family {Family} model {Model} stepping {Stepping})";

    /// <summary>
    /// A file-name-safe key for a verdict: this CPU, the libtorch build (TorchSharp's version and the size of
    /// libtorch_cpu), the self-test's own version and any caps the user set, hashed.
    /// </summary>
    public string VerdictKey(string libtorchBuild, int selfTestVersion, string userSettings)
    {
        string text = $"{Vendor}|{Family}|{Model}|{Stepping}|{Name}|{Microcode}|{VectorFlags}|{libtorchBuild}|{selfTestVersion}|{userSettings}";
        return $"{Vendor}-f{Family}-m{Model}-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
