using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>
/// One Swin block, torchvision's <c>SwinTransformerBlock</c> with its names: x + drop(attn(norm1(x))),
/// then x + drop(mlp(norm2(x))), where mlp is Linear (mlp.0), GELU, Linear (mlp.3) and drop is
/// stochastic depth per sample ("row" mode) while training. Works on N x H x W x C.
/// </summary>
public sealed class SwinTransformerBlock : Module<Tensor, Tensor>
{
    readonly double _dropPath;
    readonly LayerNorm norm1, norm2;
    readonly ShiftedWindowAttention attn;
    readonly Sequential mlp;

    /// <summary>A block of width <paramref name="dim"/>; <paramref name="dropPath"/> is its stochastic-depth probability.</summary>
    public SwinTransformerBlock(int dim, int heads, int window, int shift, double mlpRatio, double dropPath) : base("SwinTransformerBlock")
    {
        _dropPath = dropPath;
        norm1 = LayerNorm(dim, eps: 1e-5);
        attn = new ShiftedWindowAttention(dim, window, shift, heads);
        norm2 = LayerNorm(dim, eps: 1e-5);
        int hidden = (int)(dim * mlpRatio);
        mlp = Sequential(("0", Linear(dim, hidden)), ("1", GELU()), ("2", Dropout(0)), ("3", Linear(hidden, dim)), ("4", Dropout(0)));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = x.add(DropPath(attn.forward(norm1.forward(x))));
        x = x.add(DropPath(mlp.forward(norm2.forward(x))));
        return x.MoveToOuterDisposeScope();
    }

    // Stochastic depth ("row"): while training, drop the whole branch of a sample with probability p and
    // scale the kept ones by 1 / (1 - p), so the expectation is unchanged; identity in eval mode.
    Tensor DropPath(Tensor branch)
    {
        if (!training || _dropPath <= 0) return branch;
        double keep = 1 - _dropPath;
        var noise = empty([branch.shape[0], 1, 1, 1], dtype: branch.dtype, device: branch.device).bernoulli_(keep).div_(keep);
        return branch.mul(noise);
    }
}
