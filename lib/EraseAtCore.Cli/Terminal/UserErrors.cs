using System.CommandLine;
using System.Text.RegularExpressions;

namespace EraseAtCore.Cli.Terminal;

/// <summary>
/// The command line's error contract: every error a user can act on is one plain line on stderr starting with
/// "error: ", naming the problem and the fix, and the exit code is 2. Standard output keeps only results, so scripts
/// that read key=value lines never see an error among them.
/// </summary>
static partial class UserErrors
{
    /// <summary>The exit code of every user error (bad arguments, bad input files, missing data).</summary>
    public const int ExitCode = 2;

    /// <summary>Reports a user error from its exception's message (without .NET's parameter suffix).</summary>
    public static int Report(Exception e) => Report(e is ArgumentException { ParamName: { } name } a && a.Message.IndexOf($" (Parameter '{name}')", StringComparison.Ordinal) is >= 0 and var cut
        ? a.Message[..cut] : e.Message);   // .NET's "(Parameter 'k') Actual value was ..." names a C# parameter, not an option

    /// <summary>Writes <paramref name="message"/> as one "error: " line on stderr (further lines indented) and returns <see cref="ExitCode"/>.</summary>
    public static int Report(string message)
    {
        Console.Error.WriteLine("error: " + message.Trim().Replace("\n", "\n  ", StringComparison.Ordinal));
        return ExitCode;
    }

    /// <summary>
    /// Reports a parse failure: each of System.CommandLine's messages with .NET type names put into words, then how
    /// to get the usage of the command that was being parsed (instead of printing the whole help text).
    /// </summary>
    public static int ReportParseErrors(ParseResult parse)
    {
        foreach (var error in parse.Errors) Console.Error.WriteLine("error: " + Plain(error.Message));
        string command = string.Join(" ", parse.CommandResult.Command is RootCommand ? [] : CommandPath(parse.CommandResult.Command));
        Console.Error.WriteLine($"  see: erase-core {(command.Length > 0 ? command + " " : "")}--help");
        return ExitCode;
    }

    /// <summary>"as expected type 'System.Nullable`1[System.Int32]'" becomes "as a whole number"; a list of choices stays on the line.</summary>
    internal static string Plain(string message) => ExpectedType().Replace(LineBreaks().Replace(message.Trim(), " "), m => "as " + (m.Groups["type"].Value switch
    {
        "Int32" or "Int64" => "a whole number",
        "Double" or "Single" => "a number",
        "Boolean" => "true or false",
        var other => "a value of type " + other,
    }));

    static IEnumerable<string> CommandPath(Command command) =>
        command.Parents.OfType<Command>().Where(p => p is not RootCommand).SelectMany(CommandPath).Append(command.Name);

    [GeneratedRegex(@"\s*\n\s*")]
    private static partial Regex LineBreaks();

    [GeneratedRegex(@"as expected type 'System\.(?:Nullable`1\[System\.)?(?<type>\w+)\]?'")]
    private static partial Regex ExpectedType();
}
