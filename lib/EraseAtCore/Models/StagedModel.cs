using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Models;

/// <summary>The logits of a forward pass together with the outputs of the stages asked for.</summary>
/// <param name="Logits">Classifier output, N x classes.</param>
/// <param name="Stages">Stage name to its output (e.g. "layer3" to N x C x H x W), only the stages requested.</param>
public sealed record StagedOutput(Tensor Logits, IReadOnlyDictionary<string, Tensor> Stages);

/// <summary>
/// A classifier whose intermediate stages ("supervision points") are named and can be returned by the
/// same forward pass that computes the logits, without hooks. EC attaches heads to these stages; CKA,
/// probes and k-NN read them.
/// </summary>
public abstract class StagedModel : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module with a name (TorchSharp uses it in state dicts).</summary>
    protected StagedModel(string name, ModelSpec spec) : base(Loaded(name)) { Spec = spec; }

    // Loads the backend (with its CPU-kernel guard) before the first layer is built.
    static string Loaded(string name) { Runtime.TorchRuntime.EnsureLoaded(); return name; }

    /// <summary>The architecture and options this model was built from (saved in checkpoints).</summary>
    public ModelSpec Spec { get; }

    /// <summary>Names of the supervision points, input to output (e.g. layer1..layer4).</summary>
    public abstract IReadOnlyList<string> StageNames { get; }

    /// <summary>Runs the model once, keeping the outputs of <paramref name="stages"/> (unknown names fail).</summary>
    public abstract StagedOutput ForwardWithStages(Tensor input, IReadOnlyCollection<string> stages);

    /// <summary>Plain forward: logits only.</summary>
    public override Tensor forward(Tensor input) => ForwardWithStages(input, []).Logits;

    /// <summary>Checks requested stage names, with the valid names in the error.</summary>
    protected void CheckStages(IReadOnlyCollection<string> stages)
    {
        foreach (var s in stages)
            if (!StageNames.Contains(s))
                throw new ArgumentException($"{Spec.Architecture} has no stage '{s}'; its stages are {string.Join(", ", StageNames)}.");
    }
}
