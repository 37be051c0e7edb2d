using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Runtime;

/// <summary>TorchSharp's native library could not be loaded; the message says why and what to do.</summary>
public sealed class TorchLoadException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public TorchLoadException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Start-up of the torch backend: loads the natives once, with an actionable error when that fails,
/// and reports what is available.
/// </summary>
public static class TorchRuntime
{
    static readonly Lazy<string> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Loads the native backend (once). Throws <see cref="TorchLoadException"/> with a fix when it cannot.</summary>
    public static void EnsureLoaded() => _ = Loaded.Value;

    /// <summary>A one-line description: TorchSharp and libtorch versions, threads, CUDA availability.</summary>
    public static string Describe()
    {
        EnsureLoaded();
        return $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {__version__}, " +
               $"{get_num_threads()} CPU threads, CPU kernels {CpuKernelGuard.Describe()} ({CpuKernelGuard.Verdict.Origin}), malloc {AllocatorTuning.State}, {NativesNote()}CUDA {(cuda.is_available() ? $"available ({cuda.device_count()} device(s))" : "not available")}";
    }

    // Said only when the preload did something or could not: a build output needs none.
    static string NativesNote() =>
        TorchNativePreload.Outcome.StartsWith("not needed", StringComparison.Ordinal) ? "" : $"natives: {TorchNativePreload.Outcome}, ";

    static string Load()
    {
        UnifyTorchSharpReferences();
        CpuKernelGuard.Apply();
        try
        {
            InitializeDeviceType(DeviceType.CPU);
            return __version__;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new TorchLoadException(
                "TorchSharp's native library (libLibTorchSharp.so / libtorch) could not be loaded: " + e.Message + "\n" +
                "Likely causes and fixes:\n" +
                "  - Debian 12 and other hosts with libstdc++ older than GCC 13: the build patches the copy in bin/; " +
                "build with `dotnet build` (not by copying DLLs by hand) and run from that output.\n" +
                "  - A notebook that `#r`s EraseAtCore.dll: reference lib/EraseAtCore/bin/<Configuration>/net10.0/EraseAtCore.dll " +
                "after building it; the natives sit beside it there.\n" +
                $"  - The NuGet package: the kit's preload of a loadable copy said: {TorchNativePreload.Outcome}.\n" +
                "  - Check with `ldd <path>/libLibTorchSharp.so` which library is missing.", e);
        }
    }

    // TorchSharp.PyBridge is compiled against TorchSharp 0.103. A console app unifies that reference with the loaded
    //0.107 through its deps.json; a notebook kernel has none, resolves it by loading TorchSharp.dll a second time, and
    // PyBridge's Tensor is then another type than ours (MissingMethodException in the kernel, measured in dotnet-repl).
    // Any request for TorchSharp is answered with the one already loaded.
    static void UnifyTorchSharpReferences()
    {
        var loaded = typeof(torch).Assembly;
        System.Reflection.Assembly? Resolve(System.Reflection.AssemblyName name) => name.Name == loaded.GetName().Name ? loaded : null;
        System.Runtime.Loader.AssemblyLoadContext.Default.Resolving += (_, name) => Resolve(name);
        AppDomain.CurrentDomain.AssemblyResolve += (_, args) => Resolve(new System.Reflection.AssemblyName(args.Name));
    }
}
