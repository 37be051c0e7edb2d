using System.CommandLine;
using EraseAtCore.Experiments;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>
/// `erase-core merge`: combine the outputs of `reproduce --shard i/n` runs, or every experiment of a sweep, into one
/// results folder each; an incomplete grid is refused, naming what is missing, unless --allow-incomplete.
/// </summary>
static class MergeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Output folders (or results.json files) of the shards.", Arity = ArgumentArity.ZeroOrMore };
        var output = new Option<string?>("--out") { Description = "Folder for the merged results.json, results.csv, table.md and report.html (with inputs)." };
        var sweep = new Option<string?>("--sweep") { Description = "Merge every experiment of the sweep in this --root instead (each into its PRESET/REQUEST folder)." };
        var allowIncomplete = new Option<bool>("--allow-incomplete") { Description = "Merge what is there when models of the grid have no result (listed under \"missing\" in results.json)." };
        var cmd = new Command("merge", "Merge shard results, or a sweep's, into one set of tables and one report per experiment.") { inputs, output, sweep, allowIncomplete };
        cmd.SetAction(parse =>
        {
            bool partial = parse.GetValue(allowIncomplete);
            var given = parse.GetValue(inputs) ?? [];
            if (parse.GetValue(sweep) is { } root)
            {
                if (given.Length > 0 || parse.GetValue(output) is not null)
                    throw new ArgumentException("--sweep merges into the sweep's own folders: drop the inputs and --out.");
                string folder = Path.GetFullPath(root);
                var merged = SweepRunner.Merge(folder, SweepPlan.Read(folder), partial);
                foreach (var (experiment, doc) in merged)
                {
                    AnsiConsole.WriteLine($"## {experiment} ({experiment.Folder}/)");
                    AnsiConsole.WriteLine(ResultTables.Markdown(doc));
                }
                AnsiConsole.MarkupLine($"merged {merged.Count} experiments ({merged.Sum(m => m.Merged.Models.Count)} models{Missing(merged.Sum(m => m.Merged.Missing.Count))}) " +
                                       $"into [blue]{Markup.Escape(folder)}[/]/PRESET/REQUEST");
                return 0;
            }
            if (given.Length == 0) throw new ArgumentException("Give the shards' output folders to merge (and --out), or --sweep ROOT.");
            if (parse.GetValue(output) is not { } target) throw new ArgumentException("--out is required with inputs: the folder for the merged results.");
            var docs = given.Select(ResultsMerge.Read).ToList();
            var result = ResultsMerge.Merge(docs, allowIncomplete: partial);
            OutputPath.CheckWritableFolder(target, "--out");
            var runFolder = new RunFolder(target);
            ExperimentRunner.Write(runFolder, result);
            AnsiConsole.WriteLine(ResultTables.Markdown(result));
            if (docs.Any(d => d.Grid.Count == 0))
                AnsiConsole.WriteLine("note: some inputs were written before 0.2.0 and do not record their grid; missing models cannot be named for them.");
            AnsiConsole.MarkupLine($"merged {docs.Count} results ({result.Models.Count} models{Missing(result.Missing.Count)}) into [blue]{Markup.Escape(runFolder.Root)}[/]");
            return 0;
        });
        return cmd;
    }

    static string Missing(int count) => count == 0 ? "" : $", {count} missing";
}
