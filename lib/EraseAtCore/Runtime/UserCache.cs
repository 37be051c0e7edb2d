namespace EraseAtCore.Runtime;

/// <summary>
/// The kit's folder in the user's cache: <c>$XDG_CACHE_HOME/erase-core</c>, else <c>~/.cache/erase-core</c>. The CPU
/// kernel verdicts and the natives preload keep their files under it. Uses nothing else of the kit, so the CPU probe
/// links it as a file.
/// </summary>
static class UserCache
{
    /// <summary>The folder (not created here).</summary>
    public static string Root =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "erase-core");
}
