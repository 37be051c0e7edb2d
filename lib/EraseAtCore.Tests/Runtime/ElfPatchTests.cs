using System.Diagnostics;
using EraseAtCore.Build;

namespace EraseAtCore.Tests.Runtime;

/// <summary>
/// The build-time fix for TorchSharp on Debian 12 (build/TorchNatives): tested on the real
/// libLibTorchSharp.so from the NuGet package, copied to a temp folder.
/// </summary>
public sealed class ElfPatchTests : IDisposable
{
    const string Need = "GLIBCXX_3.4.32";
    readonly string _temp = Directory.CreateTempSubdirectory("elf-patch-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    static string PackageRoot =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The pristine file in the NuGet cache (the build must never change it).</summary>
    static string PackageFile =>
        Path.Combine(PackageRoot, "torchsharp", typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3),
            "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void Package_file_needs_the_version_strongly()
    {
        var needs = ElfVersionNeeds.ReadNeeds(File.ReadAllBytes(PackageFile));
        var need = Assert.Single(needs, n => n.Version == Need);
        Assert.Equal("libstdc++.so.6", need.File);
        Assert.False(need.IsWeak, "the NuGet cache copy must stay untouched: the build patches only its own output");
        Assert.Contains(needs, n => n.Version == "GLIBCXX_3.4.30");
        Assert.All(needs, n => Assert.False(n.IsWeak));
    }

    [Fact]
    public void Weakening_changes_exactly_that_requirement_and_nothing_else()
    {
        byte[] original = File.ReadAllBytes(PackageFile);
        string copy = Path.Combine(_temp, "libLibTorchSharp.so");
        File.WriteAllBytes(copy, original);

        Assert.Equal(WeakenOutcome.Weakened, ElfVersionNeeds.WeakenFile(copy, Need));

        byte[] patched = File.ReadAllBytes(copy);
        Assert.Equal(original.Length, patched.Length);
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        var need = ElfVersionNeeds.ReadNeeds(original).Single(n => n.Version == Need);
        // Only the low byte of vna_flags changes: 0x0000 -> 0x0002 (VER_FLG_WEAK).
        Assert.Equal([(int)need.FlagsOffset], changed);
        Assert.Equal(ElfVersionNeeds.VerFlagWeak, patched[need.FlagsOffset]);

        var before = ElfVersionNeeds.ReadNeeds(original);
        var after = ElfVersionNeeds.ReadNeeds(patched);
        Assert.Equal(before.Select(n => (n.File, n.Version)), after.Select(n => (n.File, n.Version)));
        Assert.Equal([Need], after.Where(n => n.IsWeak).Select(n => n.Version));
    }

    [Fact]
    public void Weakening_is_idempotent()
    {
        string copy = Path.Combine(_temp, "libLibTorchSharp.so");
        File.Copy(PackageFile, copy);
        ElfVersionNeeds.WeakenFile(copy, Need);
        byte[] once = File.ReadAllBytes(copy);
        var stamp = File.GetLastWriteTimeUtc(copy);

        Assert.Equal(WeakenOutcome.AlreadyWeak, ElfVersionNeeds.WeakenFile(copy, Need));
        Assert.Equal(once, File.ReadAllBytes(copy));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy));
    }

    [Fact]
    public void Readelf_agrees_the_patched_need_is_weak()
    {
        string copy = Path.Combine(_temp, "libLibTorchSharp.so");
        File.Copy(PackageFile, copy);
        ElfVersionNeeds.WeakenFile(copy, Need);
        string? output = RunReadelf(copy);
        if (output is null) return; // binutils absent: the byte-level test above still holds.
        var line = output.Split('\n').Single(l => l.Contains($"Name: {Need}"));
        Assert.Contains("Flags: WEAK", line);
        Assert.Equal(1, output.Split('\n').Count(l => l.Contains("Flags: WEAK")));
    }

    [Fact]
    public void A_version_that_is_not_needed_is_left_alone()
    {
        byte[] original = File.ReadAllBytes(PackageFile);
        byte[] copy = (byte[])original.Clone();
        Assert.Equal(WeakenOutcome.NotNeeded, ElfVersionNeeds.Weaken(copy, "GLIBCXX_9.9.99"));
        Assert.Equal(original, copy);
    }

    [Fact]
    public void Not_an_elf_file_is_rejected_clearly()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.ReadNeeds(new byte[100]));
        Assert.Contains("not an ELF file", e.Message);
        byte[] truncated = File.ReadAllBytes(PackageFile)[..4096];
        var t = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.ReadNeeds(truncated));
        Assert.Contains("truncated", t.Message);
    }

    [Fact]
    public void Build_output_copy_is_patched_exactly_when_the_host_needs_it()
    {
        if (!OperatingSystem.IsLinux()) return;
        string built = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(built), $"{built} should have been copied by the build");
        string? libstdcxx = ElfVersionNeeds.FindSystemLibStdCxx();
        bool hostHasIt = libstdcxx != null && ElfVersionNeeds.ReadDefinitions(File.ReadAllBytes(libstdcxx)).Contains(Need);
        var need = ElfVersionNeeds.ReadNeeds(File.ReadAllBytes(built)).Single(n => n.Version == Need);
        Assert.Equal(!hostHasIt, need.IsWeak);
    }

    [Fact]
    public void Host_libstdcxx_definitions_are_read()
    {
        string? libstdcxx = ElfVersionNeeds.FindSystemLibStdCxx();
        if (libstdcxx is null) return;
        var defs = ElfVersionNeeds.ReadDefinitions(File.ReadAllBytes(libstdcxx));
        Assert.Contains("GLIBCXX_3.4", defs);
        Assert.Contains("CXXABI_1.3", defs);
    }

    static string? RunReadelf(string path)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("readelf", ["-V", path]) { RedirectStandardOutput = true })!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
