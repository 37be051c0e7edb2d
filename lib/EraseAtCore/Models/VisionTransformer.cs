using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>
/// A small Vision Transformer (ViT), so that the kit's methods can be checked on a non-convolutional
/// architecture. Shapes, for an N x C x S x S input with S = <see cref="ModelSpec.ImageSize"/>,
/// p = <see cref="ModelSpec.PatchSize"/>, D = <see cref="ModelSpec.Dim"/> and P = (S / p)^2 patches:
/// <list type="number">
/// <item>Patch embedding: a p x p convolution with stride p (one linear map per non-overlapping patch),
/// flattened to N x P x D tokens.</item>
/// <item><see cref="VitPooling.ClassToken"/>: a learned 1 x 1 x D class token is prepended, giving T = P + 1
/// tokens; <see cref="VitPooling.Mean"/>: no class token, T = P.</item>
/// <item>A learned 1 x T x D positional embedding is added.</item>
/// <item><see cref="ModelSpec.Depth"/> pre-norm encoder blocks (<see cref="VitEncoderBlock"/>), each
/// N x T x D to N x T x D; their outputs are the supervision points block1..blockN.</item>
/// <item>A final LayerNorm, then the class token's state (or the mean over tokens), N x D, and a linear
/// classifier to N x classes.</item>
/// </list>
/// Stage outputs are the raw block outputs, N x T x D (before the final LayerNorm).
/// </summary>
public sealed class VisionTransformer : StagedModel
{
    readonly Conv2d patch_embed;
    readonly Parameter? cls_token;
    readonly Parameter pos_embed;
    readonly ModuleList<VitEncoderBlock> blocks;
    readonly LayerNorm norm;
    readonly Linear head;
    readonly string[] names;

    /// <summary>Builds a ViT from the ViT options of <paramref name="spec"/> (architecture "vit").</summary>
    /// <exception cref="ArgumentException">An option is out of range or inconsistent (the message says which).</exception>
    public VisionTransformer(ModelSpec spec) : base("vit", spec)
    {
        Validate(spec);
        int patches = spec.ImageSize / spec.PatchSize;
        int tokens = patches * patches + (spec.Pooling == VitPooling.ClassToken ? 1 : 0);
        patch_embed = Conv2d(spec.InChannels, spec.Dim, spec.PatchSize, stride: spec.PatchSize);
        // Small truncated-normal starts (std 0.02, as in ViT/timm): position and class information
        // begin as a slight perturbation of the patch content rather than drowning it.
        if (spec.Pooling == VitPooling.ClassToken)
            cls_token = Parameter(SmallNormal(1, 1, spec.Dim));
        pos_embed = Parameter(SmallNormal(1, tokens, spec.Dim));
        blocks = ModuleList(Enumerable.Range(0, spec.Depth)
            .Select(i => new VitEncoderBlock($"block{i + 1}", spec.Dim, spec.Heads, spec.Dim * spec.MlpRatio)).ToArray());
        norm = LayerNorm(spec.Dim);
        head = Linear(spec.Dim, spec.Classes);
        names = Enumerable.Range(1, spec.Depth).Select(i => $"block{i}").ToArray();
        RegisterComponents();
    }

    // Small truncated-normal starts (std 0.02, as in ViT/timm).
    static Tensor SmallNormal(params long[] shape) => TruncatedNormal.Sample(0.02, shape);

    // All errors name the offending option, so a bad CLI flag or config file is easy to fix.
    static void Validate(ModelSpec spec)
    {
        if (spec.Architecture != "vit")
            throw new ArgumentException($"VisionTransformer needs a spec with architecture 'vit', got '{spec.Architecture}'.");
        if (spec.InChannels <= 0) throw new ArgumentException($"ViT in_channels must be positive, got {spec.InChannels}.");
        if (spec.Classes < 2) throw new ArgumentException($"ViT needs at least 2 classes, got {spec.Classes}.");
        if (spec.ImageSize <= 0) throw new ArgumentException($"ViT image size must be positive, got {spec.ImageSize}.");
        if (spec.PatchSize <= 0) throw new ArgumentException($"ViT patch size must be positive, got {spec.PatchSize}.");
        if (spec.Dim <= 0) throw new ArgumentException($"ViT dim must be positive, got {spec.Dim}.");
        if (spec.Heads <= 0) throw new ArgumentException($"ViT heads must be positive, got {spec.Heads}.");
        if (spec.MlpRatio <= 0) throw new ArgumentException($"ViT MLP ratio must be positive, got {spec.MlpRatio}.");
        if (spec.Depth < 1) throw new ArgumentException($"ViT depth must be at least 1, got {spec.Depth}.");
        if (spec.ImageSize % spec.PatchSize != 0)
            throw new ArgumentException($"ViT image size {spec.ImageSize} is not a multiple of patch size {spec.PatchSize}; patches must tile the image exactly.");
        if (spec.Dim % spec.Heads != 0)
            throw new ArgumentException($"ViT dim {spec.Dim} is not divisible by heads {spec.Heads}; each head gets dim / heads channels.");
    }

    /// <summary>Tokens per image: (image / patch)^2 patches, plus one with a class token.</summary>
    public int TokenCount => (int)pos_embed.shape[1];

    /// <inheritdoc />
    public override IReadOnlyList<string> StageNames => names;

    /// <inheritdoc />
    /// <remarks>Each stage is N x <see cref="TokenCount"/> x dim; with a class token it is token 0.</remarks>
    public override StagedOutput ForwardWithStages(Tensor input, IReadOnlyCollection<string> stages)
    {
        CheckStages(stages);
        // The positional embedding is sized for one image size; say so instead of failing at a broadcast.
        if (input.dim() != 4 || input.shape[1] != Spec.InChannels || input.shape[2] != Spec.ImageSize || input.shape[3] != Spec.ImageSize)
            throw new ArgumentException($"{Spec.Describe()} expects N x {Spec.InChannels} x {Spec.ImageSize} x {Spec.ImageSize} input, got {string.Join(" x ", input.shape)}.");
        using var scope = NewDisposeScope();
        var kept = new Dictionary<string, Tensor>();
        var x = patch_embed.forward(input).flatten(2).transpose(1, 2);    // N x P x D
        if (cls_token is not null)
            x = cat([cls_token.expand(x.shape[0], -1, -1), x], 1);         // N x (P + 1) x D
        x = x + pos_embed;
        for (int i = 0; i < names.Length; i++)
        {
            x = blocks[i].forward(x);
            if (stages.Contains(names[i])) kept[names[i]] = x.MoveToOuterDisposeScope();
        }
        x = norm.forward(x);
        var pooled = cls_token is not null ? x.select(1, 0) : x.mean([1]);
        var logits = head.forward(pooled).MoveToOuterDisposeScope();
        return new StagedOutput(logits, kept);
    }
}
