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
}
