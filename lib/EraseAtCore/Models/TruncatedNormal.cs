using static TorchSharp.torch;

namespace EraseAtCore.Models;

/// <summary>Truncated-normal initial values, as ViT, Swin and timm start their linear layers.</summary>
static class TruncatedNormal
{
    /// <summary>
    /// N(0, <paramref name="std"/>^2) truncated at 2 std, by redrawing the values outside. Not
    /// init.trunc_normal_: in TorchSharp 0.107 its native side swaps mean and std (and drops the sqrt 2),
    /// so with mean 0 it fills the tensor with the constant std. Draws from torch's default generator,
    /// so it follows the seed.
    /// </summary>
    public static Tensor Sample(double std, params long[] shape)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var values = empty(shape).normal_(0, std);
        for (var outside = values.abs().gt(2 * std); outside.any().item<bool>(); outside = values.abs().gt(2 * std))
            values = where(outside, empty(shape).normal_(0, std), values);
        return values.MoveToOuterDisposeScope();
    }
}
