using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Runtime;

/// <summary>One seed for everything random: torch's generators (CPU and CUDA) and the returned .NET Random.</summary>
public static class Seeding
{
    /// <summary>Seeds torch and returns a .NET <see cref="Random"/> seeded the same way.</summary>
    public static Random Seed(int seed)
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(seed);
        if (cuda.is_available()) cuda.manual_seed_all(seed);
        return new Random(seed);
    }
}
