using System.Runtime.InteropServices;

namespace EraseAtCore.Runtime;

/// <summary>Resident memory of this process, from /proc/self/status on Linux (native libtorch memory included).</summary>
public static class ProcessMemory
{
    /// <summary>Current resident set size in MiB (VmRSS), or NaN where /proc is absent.</summary>
    public static double ResidentMiB() => Read("VmRSS:");

    /// <summary>Peak resident set size since the process started, in MiB (VmHWM), or NaN where /proc is absent.</summary>
    public static double PeakResidentMiB() => Read("VmHWM:");

    /// <summary>
    /// Hands memory that native code has freed back to the operating system (glibc's malloc_trim; Linux only, a no-op
    /// elsewhere). Why: libtorch frees its tensors into glibc's heaps, which keep the pages, so after one
    /// memory-hungry method the process's resident size stays at that method's high-water mark for the rest of a run.
    /// </summary>
    public static void ReturnFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { malloc_trim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { } // not glibc (e.g. musl): nothing to trim
    }

    [DllImport("libc")]
    static extern int malloc_trim(nuint pad);

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
