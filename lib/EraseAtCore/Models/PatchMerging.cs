using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>
/// Swin's down-sampling between stages, torchvision's <c>PatchMerging</c>: each 2 x 2 neighbourhood is
/// concatenated (order (0,0), (1,0), (0,1), (1,1)) to 4C channels, normalised (norm) and projected to 2C
/// without bias (reduction). Odd sizes are padded. N x H x W x C to N x H/2 x W/2 x 2C.
/// </summary>
public sealed class PatchMerging : Module<Tensor, Tensor>
{
    readonly Linear reduction;
    readonly LayerNorm norm;

    /// <summary>Merges patches of width <paramref name="dim"/>.</summary>
    public PatchMerging(int dim) : base("PatchMerging")
    {
        reduction = Linear(4 * dim, 2 * dim, hasBias: false);
        norm = LayerNorm(4 * dim, eps: 1e-5);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long height = x.shape[1], width = x.shape[2];
        x = functional.pad(x, [0, 0, 0, width % 2, 0, height % 2]);
        Tensor Pick(long row, long col) => x.slice(1, row, x.shape[1], 2).slice(2, col, x.shape[2], 2);
        var merged = cat([Pick(0, 0), Pick(1, 0), Pick(0, 1), Pick(1, 1)], -1);
        return reduction.forward(norm.forward(merged)).MoveToOuterDisposeScope();
    }
}
