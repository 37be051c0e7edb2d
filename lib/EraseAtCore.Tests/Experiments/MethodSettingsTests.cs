using EraseAtCore.Data;
using EraseAtCore.Ec;
using EraseAtCore.Experiments;

namespace EraseAtCore.Tests.Experiments;

/// <summary>Per-method options and variants: precedence, aliases, and one clear error per mistake.</summary>
public sealed class MethodSettingsTests
{
    [Fact]
    public void Scopes_apply_from_all_to_method_to_variant()
    {
        var s = MethodSettings.Parse(["all.steps=100", "all.lr=0.03", "ec.lr=0.05", "ec.temperature=0.2", "salun.sparsity=0.3"]);
        var ec = s.Resolve("ec", seed: 7);
        Assert.Equal(100, ec.Config.Steps);
        Assert.Equal(0.05, ec.Config.LearningRate);
        Assert.Equal(7, ec.Config.Seed);
        Assert.Equal("0.2", ec.Options["ec-temperature"]);
        var variant = s.Resolve("ec:lr=0.01,a=0.5", seed: 0);
        Assert.Equal("ec", variant.Method);
        Assert.Equal(0.01, variant.Config.LearningRate);
        Assert.Equal("0.5", variant.Options["a"]);
        Assert.Equal("0.2", variant.Options["ec-temperature"]);
        var salun = s.Resolve("salun", 0);
        Assert.Equal(0.03, salun.Config.LearningRate);
        Assert.Equal("0.3", salun.Options["sparsity"]);
        Assert.Empty(s.Resolve("rl", 0).Options);
        // A narrower epochs replaces a broader step budget.
        Assert.Null(MethodSettings.Parse(["all.steps=100", "ft.epochs=2"]).Resolve("ft", 0).Config.Steps);
        // Retrain keeps the preset's recipe whatever all.* says.
        Assert.Null(s.Resolve("retrain", 0).Config.Steps);
    }

    [Theory]
    [InlineData("ec-temperature=0.2", "method.key=value")]
    [InlineData("all.sparsity=0.3", "only the shared keys")]
    [InlineData("sallun.sparsity=0.3", "unknown method 'sallun'")]
    [InlineData("retrain.lr=0.1", "preset's training recipe")]
    public void Bad_options_fail_with_a_message_naming_the_fix(string item, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => MethodSettings.Parse([item]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Repeated_keys_bad_values_and_bad_variants_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MethodSettings.Parse(["ec.lr=0.1", "ec.lr=0.2"]));
        Assert.Contains("not a number", Assert.Throws<ArgumentException>(() => MethodSettings.Parse(["ec.lr=fast"]).Resolve("ec", 0)).Message);
        Assert.Contains("not key=value", Assert.Throws<ArgumentException>(() => MethodSettings.Variant("ec:lr")).Message);
        Assert.Throws<ArgumentException>(() => MethodSettings.CheckModelName("retrain:lr=0.1", "--methods"));
        Assert.Throws<ArgumentException>(() => MethodSettings.CheckModelName("nope", "--methods"));
        MethodSettings.CheckModelName("scrub+ec:lr=0.01", "--methods");
    }

    [Fact]
    public void A_list_value_in_a_variant_keeps_its_commas()
    {
        var (method, pairs) = MethodSettings.Variant("ec:points=layer3,layer4,a=2");
        Assert.Equal("ec", method);
        Assert.Equal([("points", "layer3,layer4"), ("a", "2")], pairs);
        Assert.Equal(["layer3", "layer4"], EcOptions.Read(MethodSettings.None.Resolve("ec:points=layer3,layer4", 0).MethodOptions).Points);
        Assert.Contains("not key=value", Assert.Throws<ArgumentException>(() => MethodSettings.Variant("ec:layer3,a=2")).Message);
    }

    [Fact]
    public void Variant_file_names_are_safe_and_distinct()
    {
        Assert.Equal("ec_lr-0.02_a-0.5", RunFolder.FileName("ec:lr=0.02,a=0.5"));
        Assert.Equal("rlpec", RunFolder.FileName("rl+ec"));
        Assert.NotEqual(RunFolder.FileName("ec:lr=0.02"), RunFolder.FileName("ec:lr=0.05"));
    }

    [Fact]
    public void Random_classes_are_drawn_reproducibly_and_never_all()
    {
        var data = EraseAtCore.Data.FashionMnist.Load();
        var a = ForgetRequest.OfRandomClasses(3, seed: 0).Resolve(data);
        var b = ForgetRequest.OfRandomClasses(3, seed: 0).Resolve(data);
        var c = ForgetRequest.OfRandomClasses(3, seed: 1).Resolve(data);
        Assert.Equal(3, a.Classes.Distinct().Count());
        Assert.Equal(a.Classes, b.Classes);
        Assert.NotEqual(a.Classes, c.Classes);
        Assert.Equal(a.Classes, a.Classes.Order());
        Assert.Equal(a.Classes.Order(), ForgetRequest.OfRandomClasses(3, 0).Apply(data).ForgetClasses.Order());
        Assert.Contains("at least one class must be retained", Assert.Throws<ArgumentException>(() => ForgetRequest.OfRandomClasses(10, 0).Resolve(data)).Message);
        Assert.Throws<ArgumentException>(() => ForgetRequest.OfRandomClasses(0));
        Assert.Equal("random-3-seed0", a.Label);
    }
}
