using EraseAtCore.Build;
using EraseAtCore.Runtime;

namespace EraseAtCore.Tests.Runtime;

/// <summary>
/// How the library finds what it ships and TorchSharp's natives, in a build output (here) and in its NuGet package
/// (.ci/package.sh runs that case for real, in a notebook kernel outside the repository).
/// </summary>
public sealed class PackageLayoutTests
{
    [Fact]
    public void Shipped_files_are_looked_for_beside_the_dll_then_in_the_package()
    {
        var candidates = LibraryFiles.Candidates("plots");
        var dll = Path.GetDirectoryName(typeof(LibraryFiles).Assembly.Location)!;

        Assert.Equal(Path.Combine(dll, "plots"), candidates[0]);
        // lib/net10.0/EraseAtCore.dll in the package: its files are in files/ two levels up.
        Assert.Equal(Path.GetFullPath(Path.Combine(dll, "..", "..", "files", "plots")), candidates[1]);
        Assert.Equal(candidates[0], LibraryFiles.Find("plots"));
        Assert.Null(LibraryFiles.Find("no-such-folder"));
    }

    [Fact]
    public void A_build_output_needs_no_native_preload_and_says_why()
    {
        TorchRuntime.EnsureLoaded();
        var libstdcxx = ElfVersionNeeds.FindSystemLibStdCxx();
        bool hostHasIt = libstdcxx is not null && ElfVersionNeeds.ReadDefinitions(File.ReadAllBytes(libstdcxx)).Contains("GLIBCXX_3.4.32");

        Assert.StartsWith("not needed", TorchNativePreload.Outcome);
        // On Debian 12 the reason is the build's patched copy, found where TorchSharp looks first; elsewhere the host's libstdc++.
        Assert.Contains(hostHasIt ? "defines GLIBCXX_3.4.32" : "made loadable at build time", TorchNativePreload.Outcome);
    }
}
