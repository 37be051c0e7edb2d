using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Ec;

/// <summary>A head's two outputs for one batch.</summary>
/// <param name="Embedding">N x d, the contrastive space (L2-normalised by the loss, not here).</param>
/// <param name="Logits">N x classes, for the deep-supervision cross-entropy.</param>
public sealed record HeadOutput(Tensor Embedding, Tensor Logits);

/// <summary>
/// An auxiliary module at one supervision point: it turns the stage's output into an embedding and class
/// logits. Heads exist only during unlearning; the unlearned model never contains them.
/// </summary>
public abstract class AuxiliaryHead : nn.Module
{
    /// <summary>Names the module (TorchSharp uses names in state dicts).</summary>
    protected AuxiliaryHead(string name) : base(name) { }

    /// <summary>Embedding and logits of a stage output.</summary>
    public abstract HeadOutput Apply(Tensor stageOutput);
}

/// <summary>
/// Head for a CNN stage (N x C x H x W): average-pool toward the last stage's resolution, a 3x3 conv block
/// (conv, BatchNorm, ReLU) to the last stage's width, global average pooling, then a two-layer projection
/// to the embedding and a linear classifier on the pooled features (deeply-supervised-nets style). Pooling
/// first keeps the head cheap: its conv runs at the last stage's small resolution.
/// </summary>
public sealed class ConvHead : AuxiliaryHead
{
    readonly long[] _target;
    readonly Conv2d conv;
    readonly BatchNorm2d bn;
    readonly Sequential projection;
    readonly Linear classifier;

    /// <summary>A head from <paramref name="inChannels"/> at any resolution to <paramref name="width"/> channels at <paramref name="targetSize"/>.</summary>
    public ConvHead(long inChannels, long width, long[] targetSize, int embeddingDim, int classes) : base("conv_head")
    {
        _target = targetSize;
        conv = Conv2d(inChannels, width, 3, padding: 1, bias: false);
        bn = BatchNorm2d(width);
        projection = Sequential(Linear(width, width), ReLU(), Linear(width, embeddingDim));
        classifier = Linear(width, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override HeadOutput Apply(Tensor stageOutput)
    {
        var x = stageOutput.shape[2] > _target[0] || stageOutput.shape[3] > _target[1]
            ? functional.adaptive_avg_pool2d(stageOutput, _target) : stageOutput;
        var pooled = functional.relu(bn.forward(conv.forward(x))).mean([2, 3]);
        return new HeadOutput(projection.forward(pooled), classifier.forward(pooled));
    }
}

/// <summary>Head for a transformer block (N x T x D): mean over tokens, LayerNorm, projection MLP and linear classifier.</summary>
public sealed class TokenHead : AuxiliaryHead
{
    readonly LayerNorm norm;
    readonly Sequential projection;
    readonly Linear classifier;

    /// <summary>A head for tokens of width <paramref name="dim"/>.</summary>
    public TokenHead(long dim, int embeddingDim, int classes) : base("token_head")
    {
        norm = LayerNorm(dim);
        projection = Sequential(Linear(dim, dim), GELU(), Linear(dim, embeddingDim));
        classifier = Linear(dim, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override HeadOutput Apply(Tensor stageOutput)
    {
        var pooled = norm.forward(stageOutput.mean([1]));
        return new HeadOutput(projection.forward(pooled), classifier.forward(pooled));
    }
}
