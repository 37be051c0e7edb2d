namespace EraseAtCore.Data;

/// <summary>
/// Finds the repository's data/ folder (embedded subset and download cache) from wherever the code
/// runs: the current directory, the build output, or a notebook. Outside a checkout the cache falls
/// back to ~/.cache/erase-core.
/// </summary>
public static class DataPaths
{
    /// <summary>Name of the embedded Fashion-MNIST subset's folder under data/.</summary>
    public const string MiniFolderName = "fashion-mnist-mini";

    /// <summary>The repository's data/ folder, or null outside a checkout.</summary>
    public static string? RepositoryDataFolder { get; } = FindRepositoryDataFolder();

    /// <summary>Where downloads go: data/ in a checkout, else ~/.cache/erase-core.</summary>
    public static string CacheRoot =>
        RepositoryDataFolder ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "erase-core");

    /// <summary>
    /// The folder of EraseAtCore.dll. In a notebook kernel that `#r`s the DLL by path this differs from
    /// AppContext.BaseDirectory (the kernel's own folder), and it is where the build put the data.
    /// </summary>
    public static string LibraryFolder => Runtime.LibraryFiles.AssemblyFolder;

    static string? FindRepositoryDataFolder()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory, LibraryFolder })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                string data = Path.Combine(dir.FullName, "data");
                if (File.Exists(Path.Combine(dir.FullName, "EraseAtCore.sln")) && Directory.Exists(data))
                    return data;
            }
        }
        return null;
    }
}
