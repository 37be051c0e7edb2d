using System.CommandLine;
using EraseAtCore.Data;

namespace EraseAtCore.Cli.Commands;

/// <summary>--forget-classes / --forget-fraction / --forget-seed, shared by the commands that take a forget request.</summary>
sealed class ForgetOptions
{
    readonly Option<int[]> _classes = new("--forget-classes")
    {
        Description = "Classes to forget (class-wise), e.g. --forget-classes 3 or --forget-classes 3 5.",
        AllowMultipleArgumentsPerToken = true,
    };
    readonly Option<double?> _fraction = new("--forget-fraction") { Description = "Forget this random fraction of the training images instead (sample-wise), e.g. 0.1." };
    readonly Option<int> _seed = new("--forget-seed") { Description = "Seed of the sample-wise draw.", DefaultValueFactory = _ => 0 };

    public void AddTo(Command command) { command.Add(_classes); command.Add(_fraction); command.Add(_seed); }

    /// <summary>The request asked for, or null when none was given (the caller's default applies).</summary>
    public EraseAtCore.Experiments.ForgetRequest? Request(ParseResult parse)
    {
        var classes = parse.GetValue(_classes) ?? [];
        var fraction = parse.GetValue(_fraction);
        if (classes.Length > 0 && fraction is not null)
            throw new ArgumentException("Give either --forget-classes or --forget-fraction, not both.");
        if (fraction is { } f) return EraseAtCore.Experiments.ForgetRequest.OfSamples(f, parse.GetValue(_seed));
        return classes.Length > 0 ? EraseAtCore.Experiments.ForgetRequest.OfClasses(classes) : null;
    }

    /// <summary>The split asked for; null when none was asked for and none is required.</summary>
    public ForgetSplit? Resolve(ParseResult parse, Dataset data, bool required, IReadOnlyList<int>? defaultClasses)
    {
        var classes = parse.GetValue(_classes) ?? [];
        var fraction = parse.GetValue(_fraction);
        if (classes.Length > 0 && fraction is not null)
            throw new ArgumentException("Give either --forget-classes or --forget-fraction, not both.");
        if (fraction is { } f) return ForgetSplit.Samples(data, f, parse.GetValue(_seed));
        if (classes.Length > 0) return ForgetSplit.Classes(data, classes);
        if (defaultClasses is { Count: > 0 }) return ForgetSplit.Classes(data, [.. defaultClasses]);
        if (required) throw new ArgumentException("Say what to forget: --forget-classes 3 (class-wise) or --forget-fraction 0.1 (sample-wise).");
        return null;
    }
}
