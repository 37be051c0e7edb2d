using System.CommandLine;
using EraseAtCore.Data;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core data info` and `erase-core data make-mini`.</summary>
static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Find, describe and prepare datasets.");
        data.Add(Info());
        data.Add(MakeMini());
        return data;
    }

    static Command Info()
    {
        var dataDir = CommonOptions.DataDir();
        var cmd = new Command("info", "Show which datasets are found where: sizes, class counts, checksums. Never downloads.") { dataDir };
        cmd.SetAction(parse =>
        {
            var search = new DataSearch { ExplicitFolder = parse.GetValue(dataDir), AllowDownload = false };
            AnsiConsole.MarkupLine($"data cache: [blue]{Markup.Escape(search.CacheRoot)}[/]");
            DescribeMini();
            DescribeLocated(FashionMnist.Manifest, search, f => FashionMnist.LoadFolder(f, "fashion-mnist"));
            foreach (var (manifest, load) in DatasetCatalog.Others)
                DescribeLocated(manifest, search, load);
            return 0;
        });
        return cmd;
    }

    static void DescribeMini()
    {
        string folder = FashionMnist.MiniFolder();
        var set = FashionMnist.LoadFolder(folder, "fashion-mnist-mini");
        AnsiConsole.Write(new Rule("[bold]fashion-mnist-mini[/] (embedded, default)").LeftJustified());
        Describe(set, folder, "embedded in the repository");
        var manifestPath = Path.Combine(folder, "manifest.json");
        if (File.Exists(manifestPath))
        {
            var manifest = System.Text.Json.JsonSerializer.Deserialize<MiniSubsetManifest>(File.ReadAllText(manifestPath))!;
            var table = new Table().AddColumns("file", "sha256", "matches manifest");
            foreach (var (name, expected) in manifest.Sha256)
            {
                string actual = DataLocator.Sha256Of(Path.Combine(folder, name));
                table.AddRow(name, actual[..16] + "...", actual == expected ? "[green]yes[/]" : "[red]NO: regenerate with data make-mini[/]");
            }
            AnsiConsole.Write(table);
        }
    }

    static void DescribeLocated(DataManifest manifest, DataSearch search, Func<string, Dataset> load)
    {
        AnsiConsole.Write(new Rule($"[bold]{manifest.Name}[/]").LeftJustified());
        LocatedData located;
        try { located = DataLocator.Locate(manifest, search); }
        catch (DatasetNotFoundException e)
        {
            AnsiConsole.MarkupLine($"[yellow]not found[/]\n{Markup.Escape(e.Message)}");
            return;
        }
        var set = load(located.Folder);
        Describe(set, located.Folder, located.How);
        var table = new Table().AddColumns("file", "sha256", "checksum");
        foreach (var file in manifest.Files)
        {
            string path = located.PathOf(file);
            if (!File.Exists(path)) continue;
            string sha = DataLocator.Sha256Of(path);
            table.AddRow(Path.GetFileName(path), sha[..16] + "...", file.DescribeChecksum(sha));
        }
        AnsiConsole.Write(table);
    }

    static void Describe(Dataset set, string folder, string how)
    {
        AnsiConsole.MarkupLine($"found: [blue]{Markup.Escape(folder)}[/] ({Markup.Escape(how)})");
        AnsiConsole.MarkupLine($"train: [bold]{set.Train.Count}[/] images, test: [bold]{set.Test.Count}[/] images, " +
                               $"{set.ClassCount} classes, {set.Train.Channels}x{set.Train.Height}x{set.Train.Width}");
        var counts = new Table().AddColumns("class", "name", "train", "test");
        var train = set.Train.ClassCounts();
        var test = set.Test.ClassCounts();
        int shown = Math.Min(set.ClassCount, 20);
        for (int c = 0; c < shown; c++)
            counts.AddRow(c.ToString(), Markup.Escape(set.ClassNames[c]), train[c].ToString(), test[c].ToString());
        if (shown < set.ClassCount) counts.AddRow("...", $"({set.ClassCount - shown} more)", "", "");
        AnsiConsole.Write(counts);
    }

    static Command MakeMini()
    {
        var source = new Option<string?>("--source") { Description = "Folder of the full Fashion-MNIST (default: located as usual; downloads if online)." };
        var output = new Option<string?>("--out") { Description = "Output folder (default: data/fashion-mnist-mini in this checkout)." };
        var train = new Option<int>("--train-per-class") { DefaultValueFactory = _ => MiniSubset.DefaultTrainPerClass, Description = "Train images per class." };
        var test = new Option<int>("--test-per-class") { DefaultValueFactory = _ => MiniSubset.DefaultTestPerClass, Description = "Test images per class." };
        var seed = CommonOptions.Seed();
        var cmd = new Command("make-mini", "Rebuild the embedded stratified Fashion-MNIST subset from the full set (rerunnable; same seed, same images).")
            { source, output, train, test, seed };
        cmd.SetAction(parse =>
        {
            string from = parse.GetValue(source) ?? DataLocator.Locate(FashionMnist.Manifest, new DataSearch { Log = m => AnsiConsole.WriteLine(m) }).Folder;
            string to = parse.GetValue(output)
                ?? (DataPaths.RepositoryDataFolder is { } repo ? Path.Combine(repo, DataPaths.MiniFolderName)
                    : throw new ArgumentException("Not inside an EraseAtCore checkout: pass --out FOLDER."));
            var manifest = MiniSubset.Make(from, to, parse.GetValue(train), parse.GetValue(test), parse.GetValue(seed));
            AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(to)}[/] from {Markup.Escape(from)}");
            foreach (var (name, sha) in manifest.Sha256) Console.WriteLine($"  {name}  sha256 {sha}");
            return 0;
        });
        return cmd;
    }
}
