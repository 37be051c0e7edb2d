using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

namespace EraseAtCore.Plots;

/// <summary>
/// Loads the chart renderer (plots/EraseAtCore.Plots.dll, built from lib/EraseAtCore.Plots) into an
/// <see cref="AssemblyLoadContext"/> of its own and calls it with JSON.
/// </summary>
/// <remarks>
/// Why the isolation: Plotly.NET 6 needs FSharp.Core 10.1, and a notebook kernel (dotnet-repl,
/// .NET Interactive) has FSharp.Core 10.0 in its default context already; loaded there, Plotly.NET
/// fails (FileNotFound for 10.1, or MissingMethod if forced). A context that resolves the renderer's
/// dependencies from its own folder (its deps.json, through <see cref="AssemblyDependencyResolver"/>)
/// gets FSharp.Core 10.1 beside the kernel's 10.0. Framework assemblies still come from the default
/// context. The same path serves the CLI and the tests, so what they test is what a notebook runs.
/// </remarks>
static class RendererHost
{
    const string AssemblyFile = "EraseAtCore.Plots.dll";
    const string EntryType = "EraseAtCore.Plots.Renderer";
    const string EntryMethod = "Render";

    static readonly Lock Gate = new();
    static Func<string, string>? render;

    /// <summary>The folder the renderer is loaded from: plots/ beside EraseAtCore.dll, or in the NuGet package
    /// (<see cref="Runtime.LibraryFiles"/>).</summary>
    public static string Directory
    {
        get
        {
            var candidates = Runtime.LibraryFiles.Candidates("plots");
            return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, AssemblyFile))) ?? candidates[0];
        }
    }

    /// <summary>Renders a request; throws <see cref="InvalidOperationException"/> with the renderer's message if it fails.</summary>
    public static RenderResponse Render(RenderRequest request)
    {
        var json = Entry()(JsonSerializer.Serialize(request, RendererJson.Options));
        var response = JsonSerializer.Deserialize<RenderResponse>(json, RendererJson.Options)
                       ?? throw new InvalidOperationException("The chart renderer returned nothing.");
        if (response.Error is { } error)
            throw new InvalidOperationException($"Rendering the '{request.Chart}' chart failed: {error}");
        return response;
    }

    // Loaded once per process and kept (a success only: after a failed load, e.g. before the first
    // build, the next call tries again).
    static Func<string, string> Entry()
    {
        lock (Gate)
            return render ??= Load(Directory);
    }

    /// <summary>Loads the renderer from <paramref name="directory"/> into a new load context.</summary>
    internal static Func<string, string> Load(string directory)
    {
        var path = Path.Combine(directory, AssemblyFile);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"The chart renderer is missing: {path}. Build lib/EraseAtCore (dotnet build lib/EraseAtCore -c Release); " +
                "that builds lib/EraseAtCore.Plots and copies it, with its dependencies, into plots/ next to EraseAtCore.dll.",
                path);
        var context = new RendererLoadContext(path);
        var assembly = context.LoadFromAssemblyPath(path);
        var method = assembly.GetType(EntryType)?.GetMethod(EntryMethod, BindingFlags.Public | BindingFlags.Static, [typeof(string)])
                     ?? throw new MissingMethodException($"{path} has no static {EntryType}.{EntryMethod}(string); rebuild lib/EraseAtCore.");
        return method.CreateDelegate<Func<string, string>>();
    }

    /// <summary>Resolves what the renderer's deps.json lists (Plotly.NET, FSharp.Core 10.1, ...) from
    /// plots/, and everything else (the framework) from the default context.</summary>
    sealed class RendererLoadContext(string mainAssemblyPath) : AssemblyLoadContext("EraseAtCore.Plots")
    {
        readonly AssemblyDependencyResolver resolver = new(mainAssemblyPath);

        protected override Assembly? Load(AssemblyName name) =>
            resolver.ResolveAssemblyToPath(name) is { } path ? LoadFromAssemblyPath(path) : null;
    }
}
