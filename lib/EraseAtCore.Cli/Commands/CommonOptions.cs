using System.CommandLine;
using EraseAtCore.Runtime;

namespace EraseAtCore.Cli.Commands;

/// <summary>Options shared by several commands, created fresh per command (System.CommandLine options are not shareable).</summary>
static class CommonOptions
{
    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Folder holding the full dataset's files (else ERASE_CORE_DATA, data/, the Debian package folder, then a download).",
    };

    public static Option<string> Device() => new("--device")
    {
        Description = DeviceChoice.Help,
        DefaultValueFactory = _ => "auto",
    };

    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seed for everything random (same seed, same numbers on CPU).",
        DefaultValueFactory = _ => 0,
    };
}
