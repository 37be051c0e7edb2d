using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>
/// Pre-norm Transformer encoder block: x = x + Attn(LN(x)); x = x + MLP(LN(x)), with MLP = Linear, GELU,
/// Linear. Maps N x T x dim tokens to N x T x dim. Multi-head self-attention is written out here rather
/// than taken from nn.MultiheadAttention, so that every step (and every weight) is visible and the
/// state-dict names stay plain Linear layers (qkv, proj, fc1, fc2).
/// </summary>
public sealed class VitEncoderBlock : Module<Tensor, Tensor>
{
    readonly LayerNorm norm1, norm2;
    readonly Linear qkv, proj, fc1, fc2;
    readonly int heads, headDim;
    readonly double scale;

    /// <summary>Creates a block over <paramref name="dim"/>-wide tokens.</summary>
    /// <param name="name">Module name (used in state dicts).</param>
    /// <param name="dim">Token width; must be divisible by <paramref name="heads"/>.</param>
    /// <param name="heads">Number of attention heads, each of width dim / heads.</param>
    /// <param name="mlpHidden">Hidden width of the MLP.</param>
    public VitEncoderBlock(string name, int dim, int heads, int mlpHidden) : base(name)
    {
        if (dim <= 0 || heads <= 0 || mlpHidden <= 0 || dim % heads != 0)
            throw new ArgumentException($"An encoder block needs positive sizes and heads dividing dim; got dim={dim}, heads={heads}, mlp hidden={mlpHidden}.");
        this.heads = heads;
        headDim = dim / heads;
        // Scaled dot product: keeps the logits' variance independent of the head width, so softmax does not saturate.
        scale = 1.0 / Math.Sqrt(headDim);
        norm1 = LayerNorm(dim);
        qkv = Linear(dim, 3 * dim);
        proj = Linear(dim, dim);
        norm2 = LayerNorm(dim);
        fc1 = Linear(dim, mlpHidden);
        fc2 = Linear(mlpHidden, dim);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = x + Attend(norm1.forward(x));
        x = x + fc2.forward(functional.gelu(fc1.forward(norm2.forward(x))));
        return x.MoveToOuterDisposeScope();
    }

    // Multi-head self-attention over N x T x dim tokens: softmax(q k^T / sqrt(head_dim)) v per head,
    // heads concatenated back to dim and mixed by the output projection.
    Tensor Attend(Tensor x)
    {
        long n = x.shape[0], t = x.shape[1], dim = x.shape[2];
        // N x T x 3dim -> 3 x N x heads x T x head_dim, so q, k and v come from a single matmul.
        var parts = qkv.forward(x).reshape(n, t, 3, heads, headDim).permute(2, 0, 3, 1, 4);
        Tensor q = parts[0], k = parts[1], v = parts[2];
        var weights = q.matmul(k.transpose(-2, -1)).mul(scale).softmax(-1);   // N x heads x T x T
        var mixed = weights.matmul(v).transpose(1, 2).reshape(n, t, dim);      // N x T x dim
        return proj.forward(mixed);
    }
}
