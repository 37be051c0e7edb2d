using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Runtime;

/// <summary>Turns the user's --device choice ("auto", "cpu", "cuda", "cuda:1") into a torch device.</summary>
public static class DeviceChoice
{
    /// <summary>The accepted spellings, for help texts.</summary>
    public const string Help = "auto | cpu | cuda | cuda:N (auto = CUDA when available, else CPU)";

    /// <summary>
    /// Checks the spelling only, for a choice resolved later elsewhere (a sweep planned on a login node without a GPU
    /// runs on GPU nodes); returns it normalised.
    /// </summary>
    public static string CheckSpelling(string? choice)
    {
        string c = (choice ?? "auto").Trim().ToLowerInvariant();
        bool known = c is "" or "auto" or "cpu" or "cuda" || (c.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(c[5..], out int index) && index >= 0);
        return known ? (c == "" ? "auto" : c) : throw new ArgumentException($"--device {choice}: unknown device. Use {Help}.");
    }

    /// <summary>Resolves the choice; a CUDA request without a usable GPU fails with a clear message.</summary>
    public static Device Resolve(string? choice)
    {
        TorchRuntime.EnsureLoaded();
        string c = (choice ?? "auto").Trim().ToLowerInvariant();
        if (c is "" or "auto") return cuda.is_available() ? CUDA : CPU;
        if (c == "cpu") return CPU;
        if (c == "cuda" || c.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available()) throw new ArgumentException($"--device {choice}: CUDA is not available here: {WhyNoCuda()}");
            int index = 0;
            if (c.Length > 4 && (!int.TryParse(c[5..], out index) || index < 0 || index >= cuda.device_count()))
                throw new ArgumentException($"--device {choice}: no such GPU; this machine has {cuda.device_count()} (cuda:0..cuda:{cuda.device_count() - 1}).");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"--device {choice}: unknown device. Use {Help}.");
    }

    // Of the two causes, the one that applies: libtorch's CUDA library mapped means the build has CUDA and the machine lacks a GPU or driver.
    static string WhyNoCuda() => LoadedNatives.Contains("libtorch_cuda")
        ? "the kit runs libtorch's CUDA build, but it finds no usable NVIDIA GPU (check `nvidia-smi` and the driver, and CUDA_VISIBLE_DEVICES). Use --device cpu to run on the CPU."
        : "the kit was built with the CPU backend (the default), which has no CUDA. On a GPU host build with `dotnet build -p:TorchBackend=cuda`; here use --device cpu (or auto).";
}
