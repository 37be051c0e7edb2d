using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using EraseAtCore.Build;

namespace EraseAtCore.Runtime;

/// <summary>
/// Makes TorchSharp's native library loadable when the kit runs from its NuGet package (a notebook's
/// <c>#r "nuget: EraseAtCore"</c>) on a host whose libstdc++ lacks GLIBCXX_3.4.32 (Debian 12).
/// </summary>
/// <remarks>
/// A build output is patched at build time (build/TorchNatives.targets); the package cache must never be edited. So
/// this makes a patched copy of the package's libLibTorchSharp.so in a cache folder, beside symbolic links to the
/// libtorch files it needs (its RUNPATH is $ORIGIN), and loads it. TorchSharp then finds it: it first asks for
/// "LibTorchSharp" and "torch_cpu" by name, and the dynamic loader answers a bare name with the library of that
/// soname already in the process. It must run before anything touches <c>torch</c>, so the module initializer
/// (<see cref="CpuKernelGuard"/>) calls it; the CPU self-test's probe calls it first thing too.
/// Shared, as a linked file, with lib/EraseAtCore.CpuProbe: it uses nothing else of the kit but the files the probe
/// links with it (UserCache, LoadedNatives, TorchSharpPackage, build/TorchNatives/ElfVersionNeeds.cs).
/// </remarks>
static partial class TorchNativePreload
{
    const string Need = "GLIBCXX_3.4.32";
    const string TorchSharpNative = "libLibTorchSharp.so";
    static readonly Lock Gate = new();
    static string? outcome;

    /// <summary>What the preload did in this process, in words (for the runtime description).</summary>
    public static string Outcome => outcome ?? "not run";

    /// <summary>Loads a patched TorchSharp native if this process needs one; idempotent, never throws.</summary>
    public static void Apply()
    {
        lock (Gate)
        {
            if (outcome is not null) return;
            try { outcome = Decide(); }
            catch (Exception e) // a failed preload leaves TorchSharp to load its natives its own way, and says why
            {
                outcome = $"not preloaded ({e.GetType().Name}: {e.Message}); TorchSharp loads its natives itself";
            }
        }
    }

    static string Decide()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return "not needed (not Linux x64)";
        if (Environment.GetEnvironmentVariable("ERASE_CORE_NATIVE_PRELOAD") is "off" or "0") return "off (ERASE_CORE_NATIVE_PRELOAD)";
        if (ElfVersionNeeds.FindSystemLibStdCxx() is { } libstdcxx && ElfVersionNeeds.ReadDefinitions(File.ReadAllBytes(libstdcxx)).Contains(Need))
            return $"not needed ({libstdcxx} defines {Need})";

        // The package layout: <packages>/torchsharp/<version>/lib/<tfm>/TorchSharp.dll and .../runtimes/linux-x64/native/.
        string torchSharpFolder = TorchSharpPackage.AssemblyFolder;
        var packageRoot = TorchSharpPackage.Root;
        var packagesRoot = TorchSharpPackage.PackagesRoot;
        string source = Path.GetFullPath(Path.Combine(packageRoot?.FullName ?? "/", "runtimes", "linux-x64", "native", TorchSharpNative));

        // Where TorchSharp's own search finds the native first: the host's native folders (a deps.json app: bin/), then
        // TorchSharp.dll's folder (a notebook that #r's a build output by path). Such copies were patched by the build.
        var built = NativeSearchFolders().Append(torchSharpFolder).Select(f => Path.GetFullPath(Path.Combine(f, TorchSharpNative)))
            .Where(p => File.Exists(p) && p != source).ToList();
        if (built.Count > 0)
        {
            bool weak = ElfVersionNeeds.ReadNeeds(File.ReadAllBytes(built[0])).Any(n => n.Version == Need && n.IsWeak);
            return weak ? $"not needed ({built[0]} was made loadable at build time)"
                        : $"not done: {built[0]} needs {Need}, which this host lacks; rebuild the project (build/TorchNatives.targets makes it loadable)";
        }
        if (LoadedNatives.Contains(TorchSharpNative)) return "not done: TorchSharp's native was already loaded in this process (touch EraseAtCore before torch)";
        if (packageRoot is null || packagesRoot is null || !File.Exists(source)) return $"not done: {TorchSharpNative} not found beside TorchSharp ({torchSharpFolder})";
        string torchSharpVersion = packageRoot.Name;
        if (LibtorchFolder(packagesRoot.FullName, torchSharpVersion) is not { } libtorch)
            return $"not done: TorchSharp-cpu {torchSharpVersion}'s libtorch-cpu-linux-x64 package is not in {packagesRoot.FullName} " +
                   "(only the CPU backend is handled); TorchSharp loads its natives itself";

        byte[] original = File.ReadAllBytes(source);
        string key = $"{torchSharpVersion}-{Convert.ToHexString(SHA256.HashData(original))[..12].ToLowerInvariant()}-libtorch-{libtorch.Version}";
        string folder = Path.Combine(UserCache.Root, "natives", key);
        if (!File.Exists(Path.Combine(folder, TorchSharpNative))) Prepare(folder, original, libtorch.Folder);
        NativeLibrary.Load(Path.Combine(folder, TorchSharpNative));
        return $"a copy of TorchSharp's native with {Need} made optional, loaded from {folder} (libtorch {libtorch.Version})";
    }

    /// <summary>Builds the folder beside itself and renames it into place, so a half-written folder is never used.</summary>
    static void Prepare(string folder, byte[] original, string libtorchFolder)
    {
        string building = folder + ".building-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(building);
        try
        {
            string patched = Path.Combine(building, TorchSharpNative);
            File.WriteAllBytes(patched, original);
            ElfVersionNeeds.WeakenFile(patched, Need);
            foreach (var file in Directory.EnumerateFiles(libtorchFolder))
                File.CreateSymbolicLink(Path.Combine(building, Path.GetFileName(file)), file);
            try { Directory.Move(building, folder); }
            catch (IOException) when (File.Exists(Path.Combine(folder, TorchSharpNative))) { } // another process was first
        }
        finally
        {
            if (Directory.Exists(building)) Directory.Delete(building, recursive: true);
        }
    }

    /// <summary>The libtorch-cpu natives TorchSharp-cpu was released with (its nuspec names the version), or null:
    /// pairing TorchSharp's native with any other libtorch build would fail in ways far from here.</summary>
    static (string Folder, string Version)? LibtorchFolder(string packagesRoot, string torchSharpVersion)
    {
        string nuspec = Path.Combine(packagesRoot, "torchsharp-cpu", torchSharpVersion, "torchsharp-cpu.nuspec");
        if (!File.Exists(nuspec) || LibtorchDependency().Match(File.ReadAllText(nuspec)) is not { Success: true } m) return null;
        string version = m.Groups[1].Value;
        string native = Path.Combine(packagesRoot, "libtorch-cpu-linux-x64", version, "runtimes", "linux-x64", "native");
        return File.Exists(Path.Combine(native, "libtorch_cpu.so")) ? (native, version) : null;
    }

    static IEnumerable<string> NativeSearchFolders() =>
        (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex("""<dependency\s+id="libtorch-cpu"\s+version="\[?([0-9][^",\]]*)""", RegexOptions.IgnoreCase)]
    private static partial Regex LibtorchDependency();
}
