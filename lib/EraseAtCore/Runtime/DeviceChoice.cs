using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Runtime;

/// <summary>Turns the user's --device choice ("auto", "cpu", "cuda", "cuda:1") into a torch device.</summary>
public static class DeviceChoice
{
    /// <summary>The accepted spellings, for help texts.</summary>
    public const string Help = "auto | cpu | cuda | cuda:N (auto = CUDA when available, else CPU)";

    /// <summary>Resolves the choice; a CUDA request without a usable GPU fails with a clear message.</summary>
    public static Device Resolve(string? choice)
    {
        TorchRuntime.EnsureLoaded();
        string c = (choice ?? "auto").Trim().ToLowerInvariant();
        if (c is "" or "auto") return cuda.is_available() ? CUDA : CPU;
        if (c == "cpu") return CPU;
        if (c == "cuda" || c.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ArgumentException(
                    $"--device {choice}: CUDA is not available here. Either this machine has no NVIDIA GPU/driver, or the kit was " +
                    "built with the CPU backend (the default). On a GPU host build with `dotnet build -p:TorchBackend=cuda`; " +
                    "otherwise use --device cpu (or auto).");
            int index = 0;
            if (c.Length > 4 && (!int.TryParse(c[5..], out index) || index < 0 || index >= cuda.device_count()))
                throw new ArgumentException($"--device {choice}: no such GPU; this machine has {cuda.device_count()} (cuda:0..cuda:{cuda.device_count() - 1}).");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"--device {choice}: unknown device. Use {Help}.");
    }
}
