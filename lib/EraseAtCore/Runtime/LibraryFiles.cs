namespace EraseAtCore.Runtime;

/// <summary>
/// Files the kit ships with EraseAtCore.dll: the chart renderer (plots/), the embedded Fashion-MNIST subset
/// (data/fashion-mnist-mini/) and the CPU self-test's probe. A build output has them beside the DLL; the NuGet
/// package has them under files/ at its root (lib/net10.0/EraseAtCore.dll → ../../files/), which is where a notebook
/// that loads the package from the NuGet cache finds them. A project that references the package gets them copied
/// beside its own output (buildTransitive/EraseAtCore.targets).
/// </summary>
public static class LibraryFiles
{
    /// <summary>The package folder that holds the shipped files.</summary>
    public const string PackageFolder = "files";

    /// <summary>The folder of EraseAtCore.dll (not AppContext.BaseDirectory, which in a kernel is the kernel's).</summary>
    public static string AssemblyFolder =>
        Path.GetDirectoryName(typeof(LibraryFiles).Assembly.Location) is { Length: > 0 } dir ? dir : AppContext.BaseDirectory;

    /// <summary>Where <paramref name="relativePath"/> can be, in the order it is looked for: beside the DLL, then in the package.</summary>
    public static IReadOnlyList<string> Candidates(string relativePath) =>
    [
        Path.Combine(AssemblyFolder, relativePath),
        Path.GetFullPath(Path.Combine(AssemblyFolder, "..", "..", PackageFolder, relativePath)),
    ];

    /// <summary>The first candidate of <paramref name="relativePath"/> that exists (file or folder), or null.</summary>
    public static string? Find(string relativePath) =>
        Candidates(relativePath).FirstOrDefault(p => File.Exists(p) || Directory.Exists(p));
}
