using System.CommandLine;
using EraseAtCore.Experiments;
using Spectre.Console;

namespace EraseAtCore.Cli.Commands;

/// <summary>`erase-core merge`: combine the outputs of `reproduce --shard i/n` runs into one results folder.</summary>
static class MergeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Output folders (or results.json files) of the shards.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Folder for the merged results.json, results.csv, table.md and report.html.", Required = true };
        var cmd = new Command("merge", "Merge shard results into one set of tables and one report.") { inputs, output };
        cmd.SetAction(parse =>
        {
            var docs = parse.GetValue(inputs)!.Select(ResultsMerge.Read).ToList();
            var merged = ResultsMerge.Merge(docs);
            OutputPath.CheckWritableFolder(parse.GetValue(output)!, "--out");
            var folder = new RunFolder(parse.GetValue(output)!);
            ExperimentRunner.Write(folder, merged);
            AnsiConsole.WriteLine(ResultTables.Markdown(merged));
            AnsiConsole.MarkupLine($"merged {docs.Count} results ({merged.Models.Count} models) into [blue]{Markup.Escape(folder.Root)}[/]");
            return 0;
        });
        return cmd;
    }
}
