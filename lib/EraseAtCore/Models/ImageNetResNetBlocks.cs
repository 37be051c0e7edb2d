using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>
/// torchvision's BasicBlock, with its parameter names (conv1, bn1, conv2, bn2, and downsample.0/.1 only
/// where the shape changes), so PyTorch state dicts load key for key.
/// </summary>
public sealed class TorchvisionBasicBlock : Module<Tensor, Tensor>
{
    /// <summary>Output channels = planes x expansion.</summary>
    public const int Expansion = 1;
    readonly Conv2d conv1, conv2;
    readonly BatchNorm2d bn1, bn2;
    readonly Sequential? downsample;

    /// <summary>Creates a block from <paramref name="inPlanes"/> to <paramref name="planes"/> channels.</summary>
    public TorchvisionBasicBlock(int inPlanes, int planes, int stride) : base("BasicBlock")
    {
        conv1 = Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(planes);
        conv2 = Conv2d(planes, planes, 3, stride: 1, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        if (stride != 1 || inPlanes != planes)
            downsample = Sequential(Conv2d(inPlanes, planes, 1, stride: stride, bias: false), BatchNorm2d(planes));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = functional.relu(bn1.forward(conv1.forward(x)));
        y = bn2.forward(conv2.forward(y));
        var identity = downsample is null ? x : downsample.forward(x);
        return functional.relu(y.add(identity)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// torchvision's Bottleneck (ResNet v1.5: the stride sits on the 3x3 conv2, not on conv1), expansion 4,
/// with torchvision's parameter names.
/// </summary>
public sealed class TorchvisionBottleneck : Module<Tensor, Tensor>
{
    /// <summary>Output channels = planes x expansion.</summary>
    public const int Expansion = 4;
    readonly Conv2d conv1, conv2, conv3;
    readonly BatchNorm2d bn1, bn2, bn3;
    readonly Sequential? downsample;

    /// <summary>Creates a block from <paramref name="inPlanes"/> to 4 x <paramref name="planes"/> channels.</summary>
    public TorchvisionBottleneck(int inPlanes, int planes, int stride) : base("Bottleneck")
    {
        conv1 = Conv2d(inPlanes, planes, 1, bias: false);
        bn1 = BatchNorm2d(planes);
        conv2 = Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        conv3 = Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = BatchNorm2d(planes * Expansion);
        if (stride != 1 || inPlanes != planes * Expansion)
            downsample = Sequential(Conv2d(inPlanes, planes * Expansion, 1, stride: stride, bias: false), BatchNorm2d(planes * Expansion));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = functional.relu(bn1.forward(conv1.forward(x)));
        y = functional.relu(bn2.forward(conv2.forward(y)));
        y = bn3.forward(conv3.forward(y));
        var identity = downsample is null ? x : downsample.forward(x);
        return functional.relu(y.add(identity)).MoveToOuterDisposeScope();
    }
}
