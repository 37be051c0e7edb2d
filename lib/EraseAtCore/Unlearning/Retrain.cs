using System.Diagnostics;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using TorchSharp;

namespace EraseAtCore.Unlearning;

/// <summary>
/// Retrain, the gold standard: a fresh model of the Original's architecture trained from scratch on the
/// retain set with the Original's recipe (exact unlearning; the reference every method is judged against).
/// Reuses the <see cref="Trainer"/>; ignores the shared unlearning settings except the seed.
/// </summary>
/// <param name="recipe">The Original's training recipe (e.g. the preset's).</param>
public sealed class Retrain(TrainConfig recipe) : IDescribedMethod
{
    /// <summary>Retrain in the catalog: trained with the Original's recipe, so the shared unlearning settings do not apply.</summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "retrain", Label = "Retrain", TableOrder = 0, Cost = 6,
        DefaultConfig = new UnlearnConfig(),
        Create = r => new Retrain(r.Recipe),
    };

    /// <inheritdoc />
    public string Name => Descriptor.Name;

    /// <inheritdoc />
    public UnlearnResult Unlearn(UnlearnContext context)
    {
        var config = recipe with { Seed = context.Config.Seed };
        var clock = Stopwatch.StartNew();
        Seeding.Seed(config.Seed);
        var model = context.Original.Spec.Create();
        try
        {
            model.to(context.Feed.Device);
            var log = new List<UnlearnLogEntry>();
            Trainer.Fit(model, context.Split.Train.Retain, null, context.Feed, config, p =>
            {
                var losses = new Dictionary<string, double> { ["retain_ce"] = p.Loss, ["total"] = p.Loss };
                log.Add(new UnlearnLogEntry(p.Epoch, p.Step, losses));
                context.Progress?.Invoke(new UnlearnProgress(p.Epoch, p.Epochs, p.Step, p.StepsPerEpoch, losses, p.Elapsed));
            });
            model.eval();
            return new UnlearnResult(model, Name, log, clock.Elapsed, null);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
