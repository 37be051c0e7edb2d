using System.CommandLine;
using EraseAtCore.Cli.Commands;
using EraseAtCore.Data;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using Spectre.Console;

// erase-core: the command line of the EraseAtCore kit. Each sub-command lives in Commands/.
var root = new RootCommand("EraseAtCore: representation-level machine unlearning (Erase at the Core) and the metrics that expose superficial forgetting.")
{
    DataCommands.Create(),
    TrainCommand.Create(),
    BenchCommand.Create(),
};
try
{
    return root.Parse(args).Invoke();
}
catch (Exception e) when (e is DataFormatException or DatasetNotFoundException or TorchLoadException or CheckpointException or ArgumentException or IOException)
{
    // Errors a user can act on: print the message (it says what to do), not a stack trace.
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
    return 2;
}
