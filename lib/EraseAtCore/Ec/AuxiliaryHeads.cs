using EraseAtCore.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EraseAtCore.Ec;

/// <summary>
/// The heads of one EC run, one per supervision point that needs one, as a single module so the shared loop
/// can optimise them next to the model (a companion) and throw them away afterwards.
/// </summary>
public sealed class AuxiliaryHeads : nn.Module
{
    readonly ModuleDict<AuxiliaryHead> heads;

    AuxiliaryHeads(IEnumerable<(string Stage, AuxiliaryHead Head)> items) : base("aux_heads")
    {
        heads = new ModuleDict<AuxiliaryHead>();
        foreach (var (stage, head) in items) heads.Add((stage, head));
        RegisterComponents();
    }

    /// <summary>The stages that have a head.</summary>
    public IReadOnlyList<string> Stages => heads.keys().ToList();

    /// <summary>The head at <paramref name="stage"/>.</summary>
    public AuxiliaryHead this[string stage] => heads[stage];

    /// <summary>
    /// Builds a head for each of <paramref name="stages"/>, sized from one forward pass of <paramref name="model"/>
    /// on <paramref name="sample"/> (run without gradients in eval mode, so no BatchNorm statistic moves; the
    /// model's mode is restored). CNN stages get a <see cref="ConvHead"/> that pools toward the last stage's
    /// resolution and widens to its channels; token stages get a <see cref="TokenHead"/>.
    /// </summary>
    public static AuxiliaryHeads Create(StagedModel model, Tensor sample, IReadOnlyList<string> stages, int embeddingDim)
    {
        if (stages.Count == 0) throw new ArgumentException("No stage needs a head.");
        var shapes = StageShapes(model, sample);
        var last = shapes[model.StageNames[^1]];
        var items = stages.Select(stage =>
        {
            var shape = shapes.TryGetValue(stage, out var s) ? s
                : throw new ArgumentException($"{model.Spec.Architecture} has no stage '{stage}'; its stages are {string.Join(", ", model.StageNames)}.");
            AuxiliaryHead head = shape.Length switch
            {
                4 => new ConvHead(shape[1], last.Length == 4 ? last[1] : shape[1], last.Length == 4 ? [last[2], last[3]] : [shape[2], shape[3]], embeddingDim, model.Spec.Classes),
                3 => new TokenHead(shape[2], embeddingDim, model.Spec.Classes),
                _ => throw new ArgumentException($"Stage '{stage}' has a {shape.Length}-dimensional output; EC heads need N x C x H x W or N x T x D."),
            };
            return (stage, head);
        });
        return new AuxiliaryHeads(items.ToList());
    }

    static Dictionary<string, long[]> StageShapes(StagedModel model, Tensor sample)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var output = model.ForwardWithStages(sample, model.StageNames.ToArray());
            return output.Stages.ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        }
        finally { model.train(wasTraining); }
    }
}
