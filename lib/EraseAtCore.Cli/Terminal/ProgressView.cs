using EraseAtCore.Training;
using EraseAtCore.Unlearning;
using Spectre.Console;

namespace EraseAtCore.Cli.Terminal;

/// <summary>One progress report: how far along (0..1), what to show, and whether it marks a milestone (end of an epoch).</summary>
readonly record struct ProgressLine(double Fraction, string Text, bool Milestone);

/// <summary>
/// Shows progress of long work: a live bar in an interactive terminal, one plain line per milestone (and
/// a few in between) otherwise (CI logs, pipes), so long runs never look frozen.
/// </summary>
static class ProgressView
{
    public static T Run<T>(string title, Func<Action<ProgressLine>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            double lastShown = -1;
            return work(p =>
            {
                if (p.Milestone || p.Fraction - lastShown >= 0.05) { Console.WriteLine($"{title}: {p.Text}"); lastShown = p.Fraction; }
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
                    task.Description = Markup.Escape($"{title} {p.Text}");
                    if (p.Milestone) AnsiConsole.MarkupLine(Markup.Escape($"{title}: {p.Text}"));
                });
                task.Value = 1.0;
            });
        return result;
    }

    public static ProgressLine Of(TrainProgress p) => new(p.Fraction,
        $"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch} loss {p.Loss:F3} train-acc {p.TrainAccuracy:P1}" +
        (p.TestAccuracy is { } t ? $" test-acc {t:P2}" : "") + $" elapsed {p.Elapsed:mm\\:ss} eta {p.Remaining:mm\\:ss}", p.EndOfEpoch);

    public static ProgressLine Of(UnlearnProgress p) => new(p.Fraction,
        $"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch} " + string.Join(" ", p.Losses.Select(kv => $"{kv.Key} {kv.Value:F3}")) +
        $" elapsed {p.Elapsed:mm\\:ss}", p.Step == p.StepsPerEpoch);

    public static ProgressLine Of(EraseAtCore.Experiments.RunProgress p) => new(p.Fraction,
        $"[{p.Index}/{p.Total}] {p.Model} (seed {p.Seed}) {p.Phase}: {p.Detail} elapsed {p.Elapsed:mm\\:ss}" +
        (p.Remaining is { } r ? $" eta {r:mm\\:ss}" : ""), p.Phase is not ("train" or "unlearn"));   // a step's phases each report once; training and unlearning report per step
}
