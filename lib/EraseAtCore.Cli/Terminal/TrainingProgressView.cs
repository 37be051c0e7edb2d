using EraseAtCore.Training;
using Spectre.Console;

namespace EraseAtCore.Cli.Terminal;

/// <summary>
/// Shows training progress: a live bar (loss, accuracy, ETA) in an interactive terminal, one plain line
/// per report otherwise (CI logs, pipes), so long runs never look frozen.
/// </summary>
static class TrainingProgressView
{
    public static T Run<T>(string title, Func<Action<TrainProgress>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return work(p =>
            {
                if (p.EndOfEpoch || p.Step % (p.StepsPerEpoch / 4 + 1) == 0) Console.WriteLine($"{title}: {Describe(p)}");
            });
        }
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1.0);
                result = work(p =>
                {
                    task.Value = p.Fraction;
                    task.Description = Markup.Escape($"{title} {Describe(p)}");
                    if (p.EndOfEpoch) AnsiConsole.MarkupLine(Markup.Escape($"{title}: {Describe(p)}"));
                });
                task.Value = 1.0;
            });
        return result;
    }

    static string Describe(TrainProgress p) =>
        $"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch} loss {p.Loss:F3} train-acc {p.TrainAccuracy:P1}" +
        (p.TestAccuracy is { } t ? $" test-acc {t:P2}" : "") + $" elapsed {p.Elapsed:mm\\:ss} eta {p.Remaining:mm\\:ss}";
}
