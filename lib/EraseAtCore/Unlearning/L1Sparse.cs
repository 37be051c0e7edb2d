using EraseAtCore.Models;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>Options of <see cref="L1Sparse"/>.</summary>
/// <param name="Lambda">
/// Initial weight of the L1 penalty (gamma in Jia et al.), decayed linearly to 0 over the run. Default 5e-4,
/// this kit's choice: neither the Unlearn-Sparse nor the SalUn code fixes a default (their --alpha, default
/// 0.2, is a flag shared with other methods and set per run), and the paper's per-benchmark value was not
/// confirmed here. Tune it with the learning rate: the penalty's gradient is Lambda * sign(theta) on every
/// weight, so it moves each weight by about lr * Lambda per step (more with momentum).
/// </param>
public sealed record L1SparseOptions(double Lambda = 5e-4)
{
    /// <summary>
    /// The options from method knobs (keys: lambda; the properties in kebab case), absent keys at their defaults,
    /// validated, so a bad value fails when the method is created and not when a run reaches it.
    /// </summary>
    public static L1SparseOptions Read(MethodOptions o)
    {
        var d = new L1SparseOptions();
        var read = new L1SparseOptions(o.Double("lambda", d.Lambda));
        read.Validate();
        return read;
    }

    /// <summary>Checks the weight.</summary>
    public void Validate()
    {
        if (!(Lambda >= 0) || double.IsInfinity(Lambda)) throw new ArgumentException($"l1-sparse lambda must be a finite number >= 0, got {Lambda}.");
    }
}

/// <summary>
/// l1-sparse (Jia et al., "Model Sparsity Can Simplify Machine Unlearning", NeurIPS 2023; FT_l1 / FT_prune in
/// the Unlearn-Sparse and SalUn code): fine-tune on the retain set with loss CE + lambda_t * ||theta||_1 over all
/// parameters (as the code's l1_regularization: every parameter tensor, BatchNorm and biases included), with
/// lambda_t decaying linearly from <see cref="L1SparseOptions.Lambda"/> towards 0. The code decays per epoch,
/// alpha * (1 - epoch / epochs); here it decays per step, lambda_t = Lambda * (1 - t / T) with t the global
/// step (0-based) and T the steps of the run, the same line sampled finer. One epoch = one pass over the retain set.
/// </summary>
public sealed class L1Sparse(L1SparseOptions? options = null) : LoopMethod, IDescribedMethod
{
    /// <summary>l1-sparse in the catalog; its settings were picked on the quick preset, as GA's.</summary>
    public static MethodDescriptor Descriptor { get; } = new()
    {
        Name = "l1-sparse", Label = "l1-sparse", TableOrder = 70, Cost = 3,
        DefaultConfig = new UnlearnConfig { Epochs = 3, LearningRate = 0.02 },
        Create = r => new L1Sparse(L1SparseOptions.Read(r.Options)),
        Ec = new EcHosting(),
    };

    readonly L1SparseOptions _options = options ?? new();

    /// <inheritdoc />
    public override object? Settings => _options;

    /// <inheritdoc />
    public override string Name => Descriptor.Name;

    /// <summary>The penalty weight at global step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public static double LambdaAt(double lambda, long step, long totalSteps) =>
        lambda * Math.Max(0.0, 1.0 - step / (double)Math.Max(1, totalSteps));

    /// <summary>||theta||_1: the sum of absolute values of every parameter of <paramref name="model"/> (differentiable).</summary>
    public static Tensor L1Norm(StagedModel model)
    {
        using var scope = NewDisposeScope();
        return stack(model.parameters().Select(p => p.abs().sum()).ToList()).sum().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override LoopPlan Plan(UnlearnContext context)
    {
        _options.Validate();
        double lambda = _options.Lambda;
        return LoopPlan.Of(new LoopPass
        {
            Driver = EpochDriver.Retain,
            UsesRetain = true,
            Loss = s =>
            {
                var ce = Losses.CrossEntropy(Losses.Logits(s, s.Retain!.Value), s.Retain.Value.Labels);
                double weight = LambdaAt(lambda, s.GlobalStep, s.TotalSteps);
                var norm = L1Norm(s.Model);
                return Losses.Terms(ce.add(norm.mul(weight)), ("retain_ce", ce), ("l1_norm", norm), ("l1_lambda", tensor((float)weight)));
            },
        });
    }
}
