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
    /// <summary>
    /// The options from method knobs (keys: max-steps, alpha, gamma, temperature; the properties in kebab case), absent keys at their defaults,
    /// validated, so a bad value fails when the method is created and not when a run reaches it.
    /// </summary>
    public static ScrubOptions Read(MethodOptions o)
    {
        var d = new ScrubOptions();
        var read = new ScrubOptions(o.Int("max-steps", d.MaxSteps), o.Double("alpha", d.Alpha), o.Double("gamma", d.Gamma), o.Double("temperature", d.Temperature));
        read.Validate();
        return read;
    }

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
/// -KL_T(teacher || student) (moving away from the teacher on forget data); then a min pass over the
/// retain set minimising gamma * CE + alpha * KL_T(teacher || student). One SGD optimiser (and its
/// momentum) serves both passes, as in the SCRUB code; the cosine schedule runs over all steps of the run.
/// </summary>
public sealed class Scrub(ScrubOptions? options = null) : LoopMethod, IDescribedMethod
{
    /// <summary>SCRUB in the catalog; its rate and SCRUB+EC's come from the selection sweep (docs/findings.md).</summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "scrub", Label = "SCRUB", TableOrder = 60, Cost = 3,
        DefaultConfig = new UnlearnConfig { Steps = UnlearnConfig.StudyBudget, LearningRate = 0.003 },
        Create = r => new Scrub(ScrubOptions.Read(r.Options)),
        Ec = new EcHosting(DefaultGridOrder: 2, new UnlearnConfig { Steps = UnlearnConfig.StudyBudget, LearningRate = 0.001 }),
    };

    readonly ScrubOptions _options = options ?? new();

    /// <inheritdoc />
    public override object? Settings => _options;

    /// <inheritdoc />
    public override string Name => Descriptor.Name;

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

    /// <summary>The max pass (epochs 1..MaxSteps) and the min pass (every epoch); the plan owns the teacher.</summary>
    public override LoopPlan Plan(UnlearnContext context)
    {
        _options.Validate();
        var teacher = ModelCopy.Of(context.Original, context.Feed.Device);
        teacher.eval();
        var (maxSteps, alpha, gamma, t) = (_options.MaxSteps, _options.Alpha, _options.Gamma, _options.Temperature);
        var max = new LoopPass
        {
            Name = "max",
            Driver = EpochDriver.Forget,
            UsesForget = true,
            RunsInEpoch = epoch => epoch <= maxSteps,
            Loss = s =>
            {
                var batch = s.Forget!.Value;
                var kl = DistillationKL(Losses.Logits(s, batch), TeacherLogits(teacher, batch.Images), t);
                return Losses.Terms(kl.neg(), ("forget_kl", kl));
            },
        };
        var min = new LoopPass
        {
            Name = "min",
            Driver = EpochDriver.Retain,
            UsesRetain = true,
            Loss = s =>
            {
                var batch = s.Retain!.Value;
                var logits = Losses.Logits(s, batch);
                var kl = DistillationKL(logits, TeacherLogits(teacher, batch.Images), t);
                var ce = Losses.CrossEntropy(logits, batch.Labels);
                return Losses.Terms(ce.mul(gamma).add(kl.mul(alpha)), ("retain_ce", ce), ("retain_kl", kl));
            },
        };
        return new LoopPlan { Passes = [max, min], Owned = [teacher] };
    }

    static Tensor TeacherLogits(StagedModel teacher, Tensor images)
    {
        using var _ = no_grad();
        return teacher.forward(images);
    }
}
