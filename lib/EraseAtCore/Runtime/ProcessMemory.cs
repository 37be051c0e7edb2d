namespace EraseAtCore.Runtime;

/// <summary>Resident memory of this process, from /proc/self/status on Linux (native libtorch memory included).</summary>
public static class ProcessMemory
{
    /// <summary>Current resident set size in MiB (VmRSS), or NaN where /proc is absent.</summary>
    public static double ResidentMiB() => Read("VmRSS:");

    /// <summary>Peak resident set size since the process started, in MiB (VmHWM), or NaN where /proc is absent.</summary>
    public static double PeakResidentMiB() => Read("VmHWM:");

    static double Read(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return double.NaN;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0]) / 1024.0; // the value is in kB
        return double.NaN;
    }
}
