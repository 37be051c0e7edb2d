using System.Runtime.Loader;
using EraseAtCore.Plots;

namespace EraseAtCore.Tests.Plots;

/// <summary>The isolation that lets notebooks with their own FSharp.Core draw charts.</summary>
public sealed class RendererHostTests
{
    [Fact]
    public void Plotly_and_its_FSharp_Core_load_in_their_own_context_not_the_default_one()
    {
        Charts.LossCurves([new StepSeries("train", [1, 2], [2.3, 1.1])]);

        var context = Assert.Single(AssemblyLoadContext.All, c => c.Name == "EraseAtCore.Plots");
        var names = context.Assemblies.Select(a => a.GetName()).ToList();
        Assert.Contains(names, n => n.Name == "Plotly.NET");
        var fsharpCore = Assert.Single(names, n => n.Name == "FSharp.Core");
        Assert.Equal(new Version(10, 1), new Version(fsharpCore.Version!.Major, fsharpCore.Version.Minor));
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name is "Plotly.NET" or "EraseAtCore.Plots");
        Assert.True(File.Exists(Path.Combine(RendererHost.Directory, "EraseAtCore.Plots.deps.json")));
    }

    [Fact]
    public void A_missing_renderer_names_the_path_and_the_fix()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "no-such-plots-folder");

        var error = Assert.Throws<FileNotFoundException>(() => RendererHost.Load(folder));

        Assert.Contains(Path.Combine(folder, "EraseAtCore.Plots.dll"), error.Message);
        Assert.Contains("Build lib/EraseAtCore", error.Message);
    }
}
