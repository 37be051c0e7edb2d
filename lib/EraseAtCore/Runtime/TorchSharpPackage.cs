namespace EraseAtCore.Runtime;

/// <summary>
/// Where TorchSharp.dll was loaded from, read as the NuGet cache's layout
/// (<c>&lt;packages&gt;/torchsharp/&lt;version&gt;/lib/&lt;tfm&gt;/TorchSharp.dll</c>). Beside a build output the
/// package folders are not a NuGet cache, and the callers check for the files they need. Uses nothing else of the kit,
/// so the CPU probe links it as a file.
/// </summary>
static class TorchSharpPackage
{
    /// <summary>The folder of TorchSharp.dll.</summary>
    public static string AssemblyFolder => Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location) ?? "";

    /// <summary><c>&lt;packages&gt;/torchsharp/&lt;version&gt;</c>, its name being TorchSharp's version; null when there is none.</summary>
    public static DirectoryInfo? Root => Directory.GetParent(AssemblyFolder)?.Parent;

    /// <summary><c>&lt;packages&gt;</c>: the NuGet cache TorchSharp came from; null when there is none.</summary>
    public static DirectoryInfo? PackagesRoot => Root?.Parent?.Parent;
}
