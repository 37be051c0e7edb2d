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
    EvalCommand.Create(),
    UnlearnCommand.Create(),
    CkaCommand.Create(),
    ReproduceCommand.Create(),
    StudyCommand.Create(),
    MergeCommand.Create(),
    PyTorchCommands.Import(),
    PyTorchCommands.Export(),
    FeaturesCommand.Create(),
    EcModulesCommand.Create(),
    DoctorCommand.Create(),
};
try
{
    // Our own handler below turns user errors into one readable line (exit 2); anything else still throws.
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is DataFormatException or DatasetNotFoundException or TorchLoadException or CheckpointException or ArgumentException or IOException)
{
    // Errors a user can act on: print the message (it says what to do), not a stack trace.
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
    return 2;
}
