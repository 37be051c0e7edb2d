using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>
/// torchvision's Swin Transformer with its exact layout and parameter names (<c>features.0</c> patch
/// embedding: 4x4 stride-4 conv, permute, LayerNorm; <c>features.1/3/5/7</c> the stages of
/// <see cref="SwinTransformerBlock"/>s, alternating unshifted and half-window-shifted; <c>features.2/4/6</c>
/// <see cref="PatchMerging"/>; then <c>norm</c>, average pooling and <c>head</c>). A state dict of
/// <c>torchvision.models.swin_t(num_classes=N)</c> loads into "swin-t" key for key and back.
/// The supervision points stage1..stage4 are the outputs of features.1/3/5/7 (before the final norm),
/// given as N x C x H x W like a CNN's, so EC's heads, CKA and probes treat them alike.
/// </summary>
public sealed class SwinTransformer : StagedModel
{
    static readonly string[] Names = ["stage1", "stage2", "stage3", "stage4"];
    readonly Sequential features;
    readonly LayerNorm norm;
    readonly Linear head;
    readonly Module<Tensor, Tensor>[] _parts;

    /// <summary>swin-t: patch 4, window 7, dims 96/192/384/768, depths 2/2/6/2, heads 3/6/12/24, MLP ratio 4, stochastic depth 0.2.</summary>
    public static readonly SwinConfig Tiny = new(Patch: 4, Dim: 96, Depths: [2, 2, 6, 2], Heads: [3, 6, 12, 24], Window: 7, MlpRatio: 4, StochasticDepth: 0.2);

    /// <summary>Builds the network of <paramref name="spec"/> (architecture swin-t).</summary>
    public SwinTransformer(ModelSpec spec) : base(spec.Architecture, spec)
    {
        if (spec.Architecture != "swin-t") throw new ArgumentException($"SwinTransformer builds swin-t, not '{spec.Architecture}'.");
        if (spec.InChannels <= 0 || spec.Classes <= 1)
            throw new ArgumentException($"Swin needs in_channels > 0 and at least 2 classes; got {spec}.");
        var c = Tiny;
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("0", Sequential(("0", Conv2d(spec.InChannels, c.Dim, c.Patch, stride: c.Patch)), ("1", new Permute(0, 2, 3, 1)), ("2", LayerNorm(c.Dim, eps: 1e-5)))),
        };
        int total = c.Depths.Sum(), blockId = 0;
        for (int stage = 0; stage < c.Depths.Count; stage++)
        {
            int dim = c.Dim << stage;
            var blocks = new List<(string, Module<Tensor, Tensor>)>();
            for (int i = 0; i < c.Depths[stage]; i++, blockId++)
                blocks.Add(($"{i}", new SwinTransformerBlock(dim, c.Heads[stage], c.Window, i % 2 == 0 ? 0 : c.Window / 2,
                    c.MlpRatio, c.StochasticDepth * blockId / (total - 1))));
            layers.Add(($"{layers.Count}", Sequential(blocks)));
            if (stage < c.Depths.Count - 1) layers.Add(($"{layers.Count}", new PatchMerging(dim)));
        }
        _parts = layers.Select(l => l.Item2).ToArray();
        features = Sequential(layers);
        int finalDim = c.Dim << (c.Depths.Count - 1);
        norm = LayerNorm(finalDim, eps: 1e-5);
        head = Linear(finalDim, spec.Classes);
        RegisterComponents();
        InitialiseLikeTorchvision();
    }

    // torchvision: every Linear normal with std 0.02 (its trunc_normal_ bounds are +-2 absolute, so in effect
    // untruncated; ours truncates at 2 std) and zero bias; LayerNorm and the patch conv keep their defaults.
    // Matters only for training from scratch.
    void InitialiseLikeTorchvision()
    {
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
            if (module is Linear linear)
            {
                linear.weight!.copy_(TruncatedNormal.Sample(0.02, linear.weight.shape));
                linear.bias?.zero_();
            }
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> StageNames => Names;

    /// <inheritdoc />
    /// <remarks>Each stage is N x C x H x W (a permuted view of the blocks' N x H x W x C).</remarks>
    public override StagedOutput ForwardWithStages(Tensor input, IReadOnlyCollection<string> stages)
    {
        CheckStages(stages);
        using var scope = NewDisposeScope();
        var kept = new Dictionary<string, Tensor>();
        var x = input;
        for (int i = 0; i < _parts.Length; i++)
        {
            x = _parts[i].forward(x);
            // features.1, .3, .5, .7 end the stages.
            if (i % 2 == 1 && stages.Contains(Names[i / 2])) kept[Names[i / 2]] = x.permute(0, 3, 1, 2).MoveToOuterDisposeScope();
        }
        var pooled = norm.forward(x).mean([1, 2]);
        var logits = head.forward(pooled).MoveToOuterDisposeScope();
        return new StagedOutput(logits, kept);
    }
}

/// <summary>A Swin Transformer's shape.</summary>
/// <param name="Patch">Patch side in pixels.</param>
/// <param name="Dim">Width of the first stage (doubling at each stage).</param>
/// <param name="Depths">Blocks per stage.</param>
/// <param name="Heads">Attention heads per stage.</param>
/// <param name="Window">Window side in tokens.</param>
/// <param name="MlpRatio">MLP hidden size as a multiple of the width.</param>
/// <param name="StochasticDepth">Stochastic-depth probability of the last block (rising linearly from 0 at the first).</param>
public sealed record SwinConfig(int Patch, int Dim, IReadOnlyList<int> Depths, IReadOnlyList<int> Heads, int Window, double MlpRatio, double StochasticDepth);
