using System.Diagnostics;
using EraseAtCore.Models;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>
/// Options of <see cref="Scrub"/>. Defaults are those of the SCRUB authors' large-scale notebook
/// (github.com/meghdadk/SCRUB, large_scale_unlearning.ipynb: ResNet / CIFAR-10, SGD): msteps = 2,
/// alpha = 0.001, gamma = 0.99, kd_T = 4. (Their small-scale notebook uses Adam, alpha = 0.5, gamma = 1,
/// msteps = 3, kd_T = 2.) The same notebook's optimiser settings are lr 5e-4, momentum 0.9, weight decay
/// 5e-4, 3 epochs; those come from the shared <see cref="UnlearnConfig"/>.
/// </summary>
/// <param name="MaxSteps">
/// How many leading epochs start with a max pass over the forget set (SCRUB's MAX_STEPS / msteps); later
/// epochs only do the min pass. 0 turns SCRUB into plain distillation on the retain set (an ablation). Default 2.
/// </param>
/// <param name="Alpha">Weight of the retain-set KL(teacher || student) in the min pass. Default 0.001.</param>
/// <param name="Gamma">Weight of the retain-set cross-entropy in the min pass. Default 0.99.</param>
/// <param name="Temperature">Distillation temperature T of the KL (both softmaxes use logits / T; the KL is scaled by T^2). Default 4.</param>
public sealed record ScrubOptions(int MaxSteps = 2, double Alpha = 0.001, double Gamma = 0.99, double Temperature = 4)
{
    /// <summary>Checks the values.</summary>
    public void Validate()
    {
        if (MaxSteps < 0) throw new ArgumentException($"SCRUB max steps (epochs with a max pass) cannot be negative, got {MaxSteps}.");
        if (!(Alpha >= 0) || double.IsInfinity(Alpha)) throw new ArgumentException($"SCRUB alpha (retain KL weight) must be a finite number >= 0, got {Alpha}.");
        if (!(Gamma >= 0) || double.IsInfinity(Gamma)) throw new ArgumentException($"SCRUB gamma (retain cross-entropy weight) must be a finite number >= 0, got {Gamma}.");
        if (Alpha == 0 && Gamma == 0) throw new ArgumentException("SCRUB alpha and gamma are both 0: the min pass would have nothing to minimise.");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"SCRUB temperature must be positive, got {Temperature}.");
    }
}

/// <summary>
/// SCRUB (Kurmanji et al., "Towards Unbounded Machine Unlearning", NeurIPS 2023). The teacher is a frozen
/// copy of the Original (eval mode, no gradients); the student starts as another copy and is trained.
/// Every epoch e runs, in order: if e &lt;= MaxSteps, a max pass over the forget set minimising
/// -KL_T(teacher || student) (i.e. moving away from the teacher on forget data); then a min pass over the
/// retain set minimising gamma * CE + alpha * KL_T(teacher || student).
/// <para>
/// The shared loop drives one set per run, so SCRUB runs the loop once per pass, in sequence, each run
/// starting from the previous run's model: [max e1, min e1, max e2, min e2, ..., min for the remaining
/// epochs]. Each pass is a full, shuffled pass over its set, as in SCRUB. The learning-rate schedule is
/// the shared one over the whole sequence (each run gets the global rate through
/// <see cref="LoopPlan.RateScale"/>). Deviation from the SCRUB code: its single SGD optimiser carries
/// momentum from one pass to the next; here each pass starts with fresh momentum (the loop owns its optimiser).
/// </para>
/// </summary>
public sealed class Scrub(ScrubOptions? options = null) : IUnlearningMethod
{
    readonly ScrubOptions _options = options ?? new();

    /// <inheritdoc />
    public string Name => "scrub";

    /// <summary>
    /// SCRUB's distillation divergence: KL(softmax(teacher / T) || softmax(student / T)) summed over classes,
    /// averaged over the batch, times T^2 (so gradients keep their scale across temperatures).
    /// </summary>
    public static Tensor DistillationKL(Tensor studentLogits, Tensor teacherLogits, double temperature)
    {
        using var scope = NewDisposeScope();
        var logStudent = studentLogits.div(temperature).log_softmax(1);
        var logTeacher = teacherLogits.div(temperature).log_softmax(1);
        var kl = logTeacher.exp().mul(logTeacher.sub(logStudent)).sum(1).mean();
        return kl.mul(temperature * temperature).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public UnlearnResult Unlearn(UnlearnContext context)
    {
        _options.Validate();
        var config = context.Config;
        config.Validate();
        var split = context.Split.Train;
        int forgetSteps = Steps(split.Forget.Count, config.BatchSize), retainSteps = Steps(split.Retain.Count, config.BatchSize);
        var passes = Passes(config.Epochs, _options.MaxSteps);
        long total = passes.Sum(p => (long)(p.Max ? forgetSteps : retainSteps) * p.Epochs);
        var clock = Stopwatch.StartNew();
        var log = new List<UnlearnLogEntry>();
        using var teacher = UnlearningLoop.Copy(context.Original, context.Device);
        teacher.eval();
        StagedModel current = context.Original;
        string? stop = null;
        long offset = 0;
        try
        {
            for (int i = 0; i < passes.Count && stop is null; i++)
            {
                var pass = passes[i];
                // Steps of a max pass come first in their epoch; the min pass's steps are numbered after them.
                int stepShift = pass.Max || pass.FirstEpoch > _options.MaxSteps ? 0 : forgetSteps;
                int StepsInEpoch(int epoch) => epoch <= _options.MaxSteps ? forgetSteps + retainSteps : retainSteps;
                long start = offset;
                var passContext = context with
                {
                    Original = current,
                    // A different seed per pass, else every pass would replay the same shuffling.
                    Config = config with { Epochs = pass.Epochs, Cosine = false, Seed = unchecked(config.Seed + 7919 * i) },
                    Progress = context.Progress is null ? null : p =>
                    {
                        int epoch = pass.FirstEpoch + p.Epoch - 1;
                        context.Progress(new UnlearnProgress(epoch, config.Epochs, p.Step + stepShift, StepsInEpoch(epoch), p.Losses, clock.Elapsed));
                    },
                };
                var plan = pass.Max ? MaxPlan(teacher) : MinPlan(teacher);
                plan = plan with { RateScale = s => config.Cosine ? 0.5 * (1 + Math.Cos(Math.PI * (start + s.GlobalStep) / Math.Max(1, total))) : 1.0 };
                var result = UnlearningLoop.Run(Name, passContext, plan);
                if (!ReferenceEquals(current, context.Original)) current.Dispose();
                current = result.Model;
                log.AddRange(result.Log.Select(e => new UnlearnLogEntry(pass.FirstEpoch + e.Epoch - 1, e.Step + stepShift, e.Losses)));
                offset += (long)(pass.Max ? forgetSteps : retainSteps) * pass.Epochs;
                if (result.StopReason is { } reason)
                    stop = $"{(pass.Max ? "max" : "min")} pass starting at epoch {pass.FirstEpoch}: {reason}";
            }
            if (ReferenceEquals(current, context.Original)) throw new InvalidOperationException("SCRUB ran no pass."); // unreachable: Epochs >= 1
            current.eval();
            return new UnlearnResult(current, Name, log, clock.Elapsed, stop);
        }
        catch
        {
            if (!ReferenceEquals(current, context.Original)) current.Dispose();
            throw;
        }
    }

    /// <summary>One loop run: a max pass (one epoch over the forget set) or min passes over the retain set.</summary>
    /// <param name="Max">True: the forget-set max pass.</param>
    /// <param name="Epochs">Epochs this run covers (1 for a max pass and the min pass of a max epoch).</param>
    /// <param name="FirstEpoch">The SCRUB epoch (1-based) this run starts in.</param>
    internal sealed record Pass(bool Max, int Epochs, int FirstEpoch);

    // [max 1, min 1, ..., max m, min m, min (m+1 .. E)] with m = min(MaxSteps, Epochs).
    internal static List<Pass> Passes(int epochs, int maxSteps)
    {
        var passes = new List<Pass>();
        int m = Math.Min(maxSteps, epochs);
        for (int e = 1; e <= m; e++) { passes.Add(new Pass(true, 1, e)); passes.Add(new Pass(false, 1, e)); }
        if (epochs > m) passes.Add(new Pass(false, epochs - m, m + 1));
        return passes;
    }

    static int Steps(int count, int batchSize) => (count + batchSize - 1) / batchSize;

    LoopPlan MaxPlan(StagedModel teacher) => new()
    {
        Driver = EpochDriver.Forget,
        UsesForget = true,
        Loss = s =>
        {
            var batch = s.Forget!.Value;
            var kl = DistillationKL(s.Model.forward(batch.Images), TeacherLogits(teacher, batch.Images), _options.Temperature);
            return Losses.Terms(kl.neg(), ("forget_kl", kl));
        },
    };

    LoopPlan MinPlan(StagedModel teacher) => new()
    {
        Driver = EpochDriver.Retain,
        UsesRetain = true,
        Loss = s =>
        {
            var batch = s.Retain!.Value;
            var logits = s.Model.forward(batch.Images);
            var kl = DistillationKL(logits, TeacherLogits(teacher, batch.Images), _options.Temperature);
            var ce = Losses.CrossEntropy(logits, batch.Labels);
            return Losses.Terms(ce.mul(_options.Gamma).add(kl.mul(_options.Alpha)), ("retain_ce", ce), ("retain_kl", kl));
        },
    };

    static Tensor TeacherLogits(StagedModel teacher, Tensor images)
    {
        using var _ = no_grad();
        return teacher.forward(images);
    }
}
