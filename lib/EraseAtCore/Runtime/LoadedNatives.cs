namespace EraseAtCore.Runtime;

/// <summary>
/// Which native libraries this process has mapped (Linux's /proc/self/maps): whether torch was used before the kit
/// could set its caps or load its natives. Uses nothing else of the kit, so the CPU probe links it as a file.
/// </summary>
static class LoadedNatives
{
    /// <summary>Whether a mapped file's path contains <paramref name="fileName"/>; false where that cannot be read.</summary>
    public static bool Contains(string fileName)
    {
        try { return OperatingSystem.IsLinux() && File.ReadLines("/proc/self/maps").Any(l => l.Contains(fileName, StringComparison.Ordinal)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
