using EraseAtCore.Ec;
using EraseAtCore.Experiments;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;

namespace EraseAtCore.Tests.Experiments;

/// <summary>
/// The method registry: every method of the library declares a descriptor and is found by it, and a method added in
/// one file (<see cref="ToyMethod"/>, in this test project) is run by name everywhere a built-in is, EC plug-in included.
/// </summary>
public sealed class MethodCatalogTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "erase-core-tests", "catalog-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() { try { Directory.Delete(_root, true); } catch (IOException) { } }

    [Fact]
    public void The_library_methods_are_found_by_their_descriptors_in_table_order()
    {
        Assert.Equal(["retrain", "ft", "ga", "neggrad+", "rl", "salun", "scrub", "l1-sparse", "cu", "ec", "rl+ec", "salun+ec", "scrub+ec", "neggrad++ec"],
            MethodCatalog.Names);
        Assert.Equal(["rl", "salun", "scrub", "neggrad+"], MethodCatalog.PlugInHosts);
        // Every concrete method of the library is described, except the plug-in wrapper the catalog makes for host+ec.
        var methods = typeof(IUnlearningMethod).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && typeof(IUnlearningMethod).IsAssignableFrom(t) && t != typeof(EcPlugin));
        Assert.All(methods, t => Assert.True(typeof(IDescribedMethod).IsAssignableFrom(t), $"{t.Name} declares no MethodDescriptor"));
        // Each created method answers to the name it was asked by.
        foreach (var name in MethodCatalog.Names)
            Assert.Equal(name, MethodCatalog.Create(name, new TrainConfig()).Name);
    }

    [Fact]
    public void Descriptors_give_labels_defaults_costs_and_plug_in_settings()
    {
        Assert.Equal("SalUn+EC", MethodCatalog.Label("SALUN+EC"));
        Assert.Equal("Original", MethodCatalog.Label("original"));
        Assert.Equal("ec:lr=0.02", MethodCatalog.Label("ec:lr=0.02"));
        Assert.Equal(0.01, MethodCatalog.DefaultConfig("rl+ec").LearningRate);
        Assert.Equal(MethodCatalog.DefaultConfig("neggrad+"), MethodCatalog.DefaultConfig("neggrad++ec"));
        Assert.Equal("0.5", MethodCatalog.DefaultKnobs("salun+ec")["sparsity"]);
        Assert.Empty(MethodCatalog.DefaultKnobs("salun"));
        Assert.Equal(MethodCatalog.Cost("retrain"), MethodCatalog.Cost("original"));
        Assert.Equal(MethodCatalog.Cost("scrub"), MethodCatalog.Cost("scrub+ec:lr=0.1"));
        Assert.False(MethodCatalog.IsKnown("ec+ec"));
        Assert.False(MethodCatalog.IsKnown("retrain+ec"));
        var e = Assert.Throws<ArgumentException>(() => MethodCatalog.Create("magic", new TrainConfig()));
        Assert.Contains("EC plugs into ft, ga", e.Message);
    }

    [Fact]
    public void Registering_refuses_built_in_names_and_bad_descriptors()
    {
        var toy = ToyMethod.Descriptor;
        Assert.Throws<ArgumentException>(() => MethodCatalog.Register(toy with { Name = "rl" }));
        Assert.Throws<ArgumentException>(() => MethodCatalog.Register(toy with { Name = "my:toy" }));
        Assert.Throws<ArgumentException>(() => MethodCatalog.Register(toy with { Name = "toy+ec" }));
        Assert.Throws<ArgumentException>(() => MethodCatalog.Register(toy with { Cost = 0 }));
        Assert.False(MethodCatalog.IsKnown("toy"));
    }

    [Fact]
    public void Registering_a_name_again_replaces_it_and_the_older_handle_leaves_the_newer_registration()
    {
        var first = MethodCatalog.Register<ToyMethod>();
        var second = MethodCatalog.Register(ToyMethod.Descriptor with { Label = "Toy again" });   // a re-run notebook cell
        Assert.Single(MethodCatalog.Names, n => n == "toy");
        Assert.Equal("Toy again", MethodCatalog.Label("toy"));
        first.Dispose();
        Assert.Equal("Toy again", MethodCatalog.Label("toy"));
        second.Dispose();
        Assert.False(MethodCatalog.IsKnown("toy"));
    }

    [Fact]
    public void A_method_in_one_file_runs_by_name_everywhere_a_built_in_does()
    {
        TorchRuntime.EnsureLoaded();
        using (MethodCatalog.RegisterAll(typeof(ToyMethod).Assembly))
        {
            // Listed after the built-ins and before the plug-ins; its plug-in is not in the default grid.
            var names = MethodCatalog.Names.ToList();
            Assert.Equal(names.IndexOf("ec") + 1, names.IndexOf("toy"));
            Assert.DoesNotContain("toy+ec", names);
            Assert.Equal("Toy+EC", MethodCatalog.Label("toy+ec"));
            Assert.Equal(0.005, MethodCatalog.DefaultConfig("toy+ec").LearningRate);
            Assert.Equal(2, MethodCatalog.Cost("toy:weight=0.2"));

            // Its knob is read, validated and typo-checked like a built-in's, also through --option and variants.
            Assert.Equal(0.25, Assert.IsType<ToyMethod>(MethodCatalog.Create("toy", new TrainConfig(), MethodOptions.Parse(["weight=0.25"]))).Weight);
            Assert.Contains("weight must be in (0, 1]", Assert.Throws<ArgumentException>(() => MethodCatalog.Create("toy", new TrainConfig(), MethodOptions.Parse(["weight=2"]))).Message);
            Assert.Contains("it knows weight", Assert.Throws<ArgumentException>(() => MethodCatalog.Create("toy", new TrainConfig(), MethodOptions.Parse(["wieght=0.2"]))).Message);
            var plugIn = Assert.IsType<EcPlugin>(MethodCatalog.Create("toy+ec", new TrainConfig(), MethodOptions.Parse(["weight=0.25", "a=1"])));
            Assert.Equal(0.25, Assert.IsType<ToyMethod>(plugIn.Host).Weight);
            Assert.Equal(1, plugIn.Options.A);
            Assert.Equal("0.3", MethodSettings.Parse(["toy.weight=0.3"]).Resolve("toy", 0).Options["weight"]);

            // The runner trains the Original, unlearns with the toy alone, with EC and as a variant, and measures each.
            var config = new ExperimentConfig
            {
                Preset = ExperimentRunnerTests.Tiny, Methods = ["toy", "toy:weight=0.9", "toy+ec"], Output = Path.Combine(_root, "run"),
                ProjectionModels = [], Settings = MethodSettings.Parse(["toy+ec.warmup-steps=2"]),
            };
            var doc = ExperimentRunner.Run(config);
            Assert.Equal(["original", "toy", "toy:weight=0.9", "toy+ec"], doc.Models.Select(m => m.Name));
            Assert.All(doc.Models.Skip(1), m => Assert.Equal(UnlearnOutcome.Completed, m.Status));
            Assert.All(doc.Models.Skip(1), m => Assert.InRange(m.MeanCka(), 0, 1));
            Assert.NotEqual(doc.Models[1].MeanCka(), doc.Models[2].MeanCka());   // the variant's weight reached the method
            Assert.Equal(4, doc.Models[1].Config!.Steps);
            Assert.Equal(0.005, doc.Models[3].Config!.LearningRate);
            Assert.Contains("| toy+ec |", File.ReadAllText(Path.Combine(config.Output, "table.md")));

            // A second run is served from the cache: the toy's models are steps like any other.
            var phases = new List<string>();
            ExperimentRunner.Run(config, p => phases.Add($"{p.Model}:{p.Phase}"));
            Assert.DoesNotContain(phases, p => p.EndsWith(":unlearn", StringComparison.Ordinal) || p.EndsWith(":train", StringComparison.Ordinal));
        }
        Assert.False(MethodCatalog.IsKnown("toy"));
        Assert.False(MethodCatalog.IsKnown("toy+ec"));
    }
}
