using EraseAtCore.Runtime;

namespace EraseAtCore.Tests.Runtime;

/// <summary>glibc's malloc keeps libtorch's step buffers (docs/cpu-kernels.md, "The rest of the gap").</summary>
public sealed class AllocatorTuningTests
{
    [Fact]
    public void The_settings_are_in_force_unless_the_user_chose_otherwise()
    {
        AllocatorTuning.Apply(); // the module initializer ran it already; a second call changes nothing
        bool userSet = Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(k => (k.StartsWith("MALLOC_") && k.EndsWith('_')) || k == "GLIBC_TUNABLES");
        if (!OperatingSystem.IsLinux()) Assert.StartsWith("glibc defaults", AllocatorTuning.State);
        else if (Environment.GetEnvironmentVariable(AllocatorTuning.Switch) == "off") Assert.Contains("=off", AllocatorTuning.State);
        else if (userSet) Assert.StartsWith("yours", AllocatorTuning.State);
        else Assert.Equal("mmap threshold 32 MiB, trim threshold 512 MiB", AllocatorTuning.State); // mallopt accepted both
    }
}
