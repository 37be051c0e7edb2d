using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>A module that permutes its input's dimensions (torchvision.ops.Permute); it has no parameters.</summary>
public sealed class Permute : Module<Tensor, Tensor>
{
    readonly long[] _order;

    /// <summary>Permutes to <paramref name="order"/>, e.g. [0, 2, 3, 1] for N x C x H x W to N x H x W x C.</summary>
    public Permute(params long[] order) : base("Permute") { _order = order; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => x.permute(_order);
}
