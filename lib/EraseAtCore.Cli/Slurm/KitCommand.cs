namespace EraseAtCore.Cli.Slurm;

/// <summary>How a compute node starts this erase-core: the running executable, through dotnet when it is a .dll.</summary>
static class KitCommand
{
    /// <summary>The words that start erase-core as this process was started (absolute paths: jobs start in other folders).</summary>
    public static IReadOnlyList<string> Current()
    {
        string process = Environment.ProcessPath ?? throw new ArgumentException("The running executable's path is unknown: pass --command 'dotnet /path/to/erase-core.dll'.");
        string entry = System.Reflection.Assembly.GetEntryAssembly()?.Location ?? "";
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && entry.Length > 0 ? [process, entry] : [process];
    }

    /// <summary>The words of a --command given as text (split on spaces; quote nothing, a path with spaces belongs in a wrapper script).</summary>
    public static IReadOnlyList<string> Parse(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length > 0 ? words : throw new ArgumentException("--command is empty: give how compute nodes start erase-core, e.g. --command 'dotnet /shared/erase-core/erase-core.dll'.");
    }
}
