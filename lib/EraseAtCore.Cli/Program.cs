using System.CommandLine;
using EraseAtCore;
using EraseAtCore.Cli.Commands;
using EraseAtCore.Cli.Terminal;
using EraseAtCore.Data;
using EraseAtCore.Runtime;
using EraseAtCore.Training;

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
    SweepCommand.Create(),
    SweepTaskCommand.Create(),
    PyTorchCommands.Import(),
    PyTorchCommands.Export(),
    FeaturesCommand.Create(),
    EcModulesCommand.Create(),
    DoctorCommand.Create(),
};
var parse = root.Parse(args);
if (parse.Errors.Count > 0) return UserErrors.ReportParseErrors(parse);
try
{
    // Our own handler below turns user errors into one line on stderr (exit 2); anything else still throws.
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is DataFormatException or DatasetNotFoundException or TorchLoadException or CheckpointException or ArgumentException or IOException)
{
    // Errors a user can act on: the message says what to do; no stack trace.
    return UserErrors.Report(e);
}
