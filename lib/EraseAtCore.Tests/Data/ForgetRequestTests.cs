using EraseAtCore.Data;
using EraseAtCore.Experiments;

namespace EraseAtCore.Tests.Data;

/// <summary>The paper's forget requests: Random-N over many classes, and class lists read from a file (Top-100 style).</summary>
public sealed class ForgetRequestTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("erase-core-forget-").FullName;
    static readonly Dataset Data = FashionMnist.Load();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    string ListFile(string text)
    {
        string path = Path.Combine(_root, $"list{Directory.GetFiles(_root).Length}.txt");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Random_100_of_1000_classes_is_the_same_draw_on_every_machine()
    {
        // ImageNet-1K's size: only the class count matters to the draw.
        var imagenet = Data with { ClassNames = Enumerable.Range(0, 1000).Select(i => $"n{i:D8}").ToArray() };
        var drawn = ForgetRequest.OfRandomClasses(100, seed: 0).Resolve(imagenet).Classes;
        Assert.Equal(100, drawn.Distinct().Count());
        Assert.All(drawn, c => Assert.InRange(c, 0, 999));
        // Pinned: System.Random with a seed is the same generator on every .NET platform, so a change here
        // means runs no longer forget the classes earlier runs (and their results) forgot.
        Assert.Equal([3, 44, 54, 59, 61], drawn.Take(5));
        Assert.NotEqual(drawn, ForgetRequest.OfRandomClasses(100, seed: 1).Resolve(imagenet).Classes);
    }

    [Fact]
    public void A_class_list_reads_names_and_indices_with_comments_in_any_separator()
    {
        var request = ForgetRequest.OfClassList(ListFile("# Top-4\nSandal, 0\n\n  Bag # the last one\nAnkle boot\n"));
        Assert.Equal(["Sandal", "0", "Bag", "Ankle boot"], request.ListEntries);   // a name may hold a space
        var resolved = request.Resolve(Data);
        Assert.Equal([0, 5, 8, 9], resolved.Classes);
        Assert.Equal([0, 5, 8, 9], request.Apply(Data).ForgetClasses.Order());
        Assert.StartsWith("list-list", request.Label);
        Assert.Contains("4 classes listed in", request.ToString());
    }

    [Fact]
    public void A_bad_class_list_gets_a_clear_error()
    {
        Assert.Contains("no such file", Assert.Throws<ArgumentException>(() => ForgetRequest.OfClassList(Path.Combine(_root, "absent.txt"))).Message);
        Assert.Contains("lists no class", Assert.Throws<ArgumentException>(() => ForgetRequest.OfClassList(ListFile("# nothing\n\n"))).Message);
        Assert.Contains("lists 'Bag' 2 times", Assert.Throws<ArgumentException>(() => ForgetRequest.OfClassList(ListFile("Bag\nBag\n"))).Message);
        var unknown = Assert.Throws<ArgumentException>(() => ForgetRequest.OfClassList(ListFile("Bag\nn01530575\n12\n")).Resolve(Data));
        Assert.Contains("2 entries are neither a class name", unknown.Message);
        Assert.Contains("n01530575, 12", unknown.Message);
        Assert.Contains("names a class twice", Assert.Throws<ArgumentException>(() => ForgetRequest.OfClassList(ListFile("Bag\n8\n")).Resolve(Data)).Message);
        string all = ListFile(string.Join("\n", Enumerable.Range(0, 10)));
        Assert.Contains("at least one class must be retained", Assert.Throws<ArgumentException>(() => ForgetRequest.OfClassList(all).Resolve(Data)).Message);
    }

    [Fact]
    public void The_short_form_reads_every_kind_and_matches_the_folder_label()
    {
        // Records holding lists compare them by reference: compare what the requests say.
        void Same(ForgetRequest expected, string spec) => Assert.Equal((expected.Kind, expected.ToString()), (ForgetRequest.Parse(spec).Kind, ForgetRequest.Parse(spec).ToString()));
        Same(ForgetRequest.OfClasses(3), "class-3");
        Same(ForgetRequest.OfClasses(3, 5), "classes-3-5");
        Same(ForgetRequest.OfRandomClasses(10, 0), "random-10");
        Same(ForgetRequest.OfRandomClasses(10, 2), "random-10-seed2");
        Same(ForgetRequest.OfSamples(0.1, 1), "samples-10pct-seed1");
        Assert.Equal(0.125, ForgetRequest.Parse("samples-12.5pct").Fraction, 12);
        foreach (var request in new[] { ForgetRequest.OfClasses(3, 5), ForgetRequest.OfRandomClasses(4, 3), ForgetRequest.OfSamples(0.2, 7) })
            Assert.Equal(request.Label, ForgetRequest.Parse(request.Label).Label);
        var listed = ForgetRequest.Parse("file:" + ListFile("Bag\n8\n"));
        Assert.Equal(ForgetKind.ClassList, listed.Kind);
        Assert.Equal(["Bag", "8"], listed.ListEntries!);
    }

    [Theory]
    [InlineData("class-")]
    [InlineData("class-x")]
    [InlineData("class-3-seed1")]
    [InlineData("random-ten")]
    [InlineData("samples-10")]
    [InlineData("everything")]
    public void A_bad_short_form_names_the_forms(string spec)
    {
        var error = Assert.Throws<ArgumentException>(() => ForgetRequest.Parse(spec));
        Assert.Contains(spec, error.Message);
        Assert.Contains("random-10-seed1", error.Message);
    }
}
