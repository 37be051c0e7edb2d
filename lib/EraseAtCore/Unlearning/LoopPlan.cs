using EraseAtCore.Data;
using EraseAtCore.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>Which set's batches make up a pass; the other set's batches are cycled alongside.</summary>
public enum EpochDriver
{
    /// <summary>One pass = one sweep over the forget set (GA, RL, SalUn, CU, SCRUB's max pass).</summary>
    Forget,
    /// <summary>One pass = one sweep over the retain set (FT, l1-sparse, NegGrad+, SCRUB's min pass).</summary>
    Retain,
}

/// <summary>
/// One sweep inside an epoch: which set drives it, which batches each step gets, and the loss (named terms;
/// the one called "total" is minimised). Most methods have one pass per epoch; SCRUB has a max pass over the
/// forget set followed by a min pass over the retain set.
/// </summary>
public sealed record LoopPass
{
    /// <summary>A short name for logs ("main", "max", "min").</summary>
    public string Name { get; init; } = "main";
    /// <summary>Which set defines the pass's steps.</summary>
    public required EpochDriver Driver { get; init; }
    /// <summary>Give each step a forget batch.</summary>
    public bool UsesForget { get; init; }
    /// <summary>Give each step a retain batch.</summary>
    public bool UsesRetain { get; init; }
    /// <summary>The loss terms of one step; must contain "total".</summary>
    public required Func<StepInputs, IReadOnlyDictionary<string, Tensor>> Loss { get; init; }
    /// <summary>Whether the pass runs in a given (1-based) epoch; null = every epoch.</summary>
    public Func<int, bool>? RunsInEpoch { get; init; }

    /// <summary>True when the pass runs in <paramref name="epoch"/>.</summary>
    public bool RunsIn(int epoch) => RunsInEpoch?.Invoke(epoch) ?? true;
}

/// <summary>
/// What a method plugs into the shared loop: its passes, an optional gradient hook, and any extra modules
/// trained together with the model (EC's auxiliary heads). One SGD optimiser serves the whole run.
/// </summary>
public sealed record LoopPlan
{
    /// <summary>The passes of every epoch, in order (at least one must run in each epoch).</summary>
    public required IReadOnlyList<LoopPass> Passes { get; init; }
    /// <summary>Applied to the gradients after backward, before the update (e.g. SalUn's weight mask).</summary>
    public Action<StagedModel>? AfterBackward { get; init; }
    /// <summary>
    /// Modules optimised alongside the model but not part of the result (EC's heads); they are put in
    /// training mode on the model's device and discarded by their owner afterwards.
    /// </summary>
    public IReadOnlyList<nn.Module> Companions { get; init; } = [];
    /// <summary>
    /// Whether SGD applies the configured weight decay itself. SalUn turns this off and applies decay inside
    /// its gradient hook, to the weights its mask lets move.
    /// </summary>
    public bool OptimizerAppliesDecay { get; init; } = true;
    /// <summary>Resources the plan holds for the run (a teacher model, a mask); disposed when the run ends.</summary>
    public IReadOnlyList<IDisposable> Owned { get; init; } = [];

    /// <summary>A plan of one pass that runs every epoch.</summary>
    public static LoopPlan Of(LoopPass pass) => new() { Passes = [pass] };
}

/// <summary>
/// The batches and counters a method's loss sees at one step, and a forward pass memoised per batch: when a
/// host method and EC's plug-in both need the model's output on the same batch, the model runs once.
/// </summary>
public sealed class StepInputs
{
    readonly Dictionary<Tensor, StagedOutput> _outputs = new(ReferenceEqualityComparer.Instance);

    /// <summary>A step's inputs (the loop makes these; build one yourself to look at a loss on a single batch).</summary>
    public StepInputs(StagedModel model, Batch? forget, Batch? retain, string pass = "main", int epoch = 1, int step = 1, long globalStep = 0, long totalSteps = 1)
    {
        Model = model; Forget = forget; Retain = retain; Pass = pass;
        Epoch = epoch; Step = step; GlobalStep = globalStep; TotalSteps = totalSteps;
    }

    /// <summary>The model being unlearned (in training mode).</summary>
    public StagedModel Model { get; }
    /// <summary>A forget batch, when the pass asks for one.</summary>
    public Batch? Forget { get; }
    /// <summary>A retain batch, when the pass asks for one.</summary>
    public Batch? Retain { get; }
    /// <summary>The running pass's name.</summary>
    public string Pass { get; }
    /// <summary>Epoch, 1-based.</summary>
    public int Epoch { get; }
    /// <summary>Step within the epoch (across its passes), 1-based.</summary>
    public int Step { get; }
    /// <summary>Steps since the start, 0-based.</summary>
    public long GlobalStep { get; }
    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>
    /// The model's logits and every stage's output on <paramref name="batch"/>, computed once per step and
    /// shared by every caller (keeping the stage outputs costs no extra memory: autograd keeps them anyway).
    /// When the step has both a forget and a retain batch, both go through the model in one forward pass and
    /// the outputs are split: BatchNorm then normalises with the statistics of the mixed batch and its running
    /// statistics follow the mixed data (as the SalUn code's combined loader does), instead of alternating
    /// between a forget-only and a retain-only batch, which on a small model visibly cost retain accuracy.
    /// </summary>
    public StagedOutput Forward(Batch batch)
    {
        if (_outputs.TryGetValue(batch.Images, out var output)) return output;
        var stages = Model.StageNames.ToArray();
        if (Forget is { } f && Retain is { } r && (ReferenceEquals(batch.Images, f.Images) || ReferenceEquals(batch.Images, r.Images)))
        {
            long n = f.Images.shape[0];
            var joint = Model.ForwardWithStages(torch.cat([f.Images, r.Images], 0), stages);
            StagedOutput Part(long start, long length) => new(joint.Logits.narrow(0, start, length),
                joint.Stages.ToDictionary(kv => kv.Key, kv => kv.Value.narrow(0, start, length)));
            _outputs[f.Images] = Part(0, n);
            _outputs[r.Images] = Part(n, r.Images.shape[0]);
            return _outputs[batch.Images];
        }
        _outputs[batch.Images] = output = Model.ForwardWithStages(batch.Images, stages);
        return output;
    }
}

/// <summary>
/// A method defined by a <see cref="LoopPlan"/> and run by <see cref="UnlearningLoop"/>. Exposing the plan
/// (not only the result) is what lets EC's plug-in add its losses to the method's own objective.
/// </summary>
public abstract class LoopMethod : IUnlearningMethod
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public virtual object? Settings => null;

    /// <summary>Validates the method's options and builds its plan for <paramref name="context"/>.</summary>
    public abstract LoopPlan Plan(UnlearnContext context);

    /// <inheritdoc />
    public UnlearnResult Unlearn(UnlearnContext context) => UnlearningLoop.Run(Name, context, Plan(context));
}
