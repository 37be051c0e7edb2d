using System.CommandLine;
using EraseAtCore.Data;

namespace EraseAtCore.Cli.Commands;

/// <summary>--forget-classes / --forget-classes-file / --forget-random-classes / --forget-fraction / --forget-seed, shared by the commands that take a forget request.</summary>
sealed class ForgetOptions
{
    readonly Option<int[]> _classes = new("--forget-classes")
    {
        Description = "Classes to forget (class-wise), e.g. --forget-classes 3 or --forget-classes 3 5.",
        AllowMultipleArgumentsPerToken = true,
    };
    readonly Option<string?> _file = new("--forget-classes-file")
    {
        Description = "Forget the classes listed in a file: one class index or class name (an image folder's sub-folder, e.g. n01530575) per line, '#' for comments (the paper's Top-100).",
    };
    readonly Option<double?> _fraction = new("--forget-fraction") { Description = "Forget this random fraction of the training images instead (sample-wise), e.g. 0.1." };
    readonly Option<int?> _random = new("--forget-random-classes") { Description = "Forget N classes drawn at random with --forget-seed (the paper's Random-N), e.g. 3." };
    readonly Option<int> _seed = new("--forget-seed") { Description = "Seed of the sample-wise or random-classes draw.", DefaultValueFactory = _ => 0 };

    public void AddTo(Command command) { command.Add(_classes); command.Add(_file); command.Add(_fraction); command.Add(_random); command.Add(_seed); }

    /// <summary>The request asked for, or null when none was given (the caller's default applies).</summary>
    public ForgetRequest? Request(ParseResult parse)
    {
        int given = ((parse.GetValue(_classes) ?? []).Length > 0 ? 1 : 0) + (parse.GetValue(_fraction) is null ? 0 : 1) + (parse.GetValue(_random) is null ? 0 : 1)
                    + (parse.GetValue(_file) is null ? 0 : 1);
        if (given > 1) throw new ArgumentException("Give one of --forget-classes, --forget-classes-file, --forget-random-classes or --forget-fraction, not several.");
        if (parse.GetValue(_fraction) is { } f) return ForgetRequest.OfSamples(f, parse.GetValue(_seed));
        if (parse.GetValue(_random) is { } n) return ForgetRequest.OfRandomClasses(n, parse.GetValue(_seed));
        if (parse.GetValue(_file) is { } file) return ForgetRequest.OfClassList(file);
        return parse.GetValue(_classes) is { Length: > 0 } classes ? ForgetRequest.OfClasses(classes) : null;
    }

    /// <summary>The split asked for, else <paramref name="fallback"/>'s (e.g. a checkpoint's own); null when there is neither and none is required.</summary>
    public ForgetSplit? Resolve(ParseResult parse, Dataset data, bool required, ForgetRequest? fallback)
    {
        var request = Request(parse) ?? fallback;
        if (request is null && required) throw new ArgumentException(SayWhatToForget);
        return request?.Apply(data);
    }

    /// <summary>Checks, before any data is read, that the options form one request and that one is given when required.</summary>
    public void CheckBeforeWork(ParseResult parse, bool required)
    {
        if (Request(parse) is null && required) throw new ArgumentException(SayWhatToForget);
    }

    const string SayWhatToForget = "Say what to forget: --forget-classes 3 (class-wise), --forget-classes-file FILE, --forget-random-classes N or --forget-fraction 0.1 (sample-wise).";
}
