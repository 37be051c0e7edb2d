using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>ResNet basic block: two 3x3 conv+BN, a 1x1 conv+BN shortcut when the shape changes, ReLU after the add.</summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    /// <summary>Output channels = planes x expansion.</summary>
    public const int Expansion = 1;
    readonly Conv2d conv1, conv2;
    readonly BatchNorm2d bn1, bn2;
    readonly Module<Tensor, Tensor> shortcut;

    /// <summary>Creates a block from <paramref name="inPlanes"/> to <paramref name="planes"/> channels.</summary>
    public BasicBlock(string name, int inPlanes, int planes, int stride) : base(name)
    {
        conv1 = Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(planes);
        conv2 = Conv2d(planes, planes, 3, stride: 1, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        shortcut = stride != 1 || inPlanes != planes
            ? Sequential(Conv2d(inPlanes, planes, 1, stride: stride, bias: false), BatchNorm2d(planes))
            : Identity();
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = functional.relu(bn1.forward(conv1.forward(x)));
        y = bn2.forward(conv2.forward(y));
        return functional.relu(y.add(shortcut.forward(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>ResNet bottleneck block (expansion 4): 1x1 reduce, 3x3, 1x1 expand, each with BN; projection shortcut when needed.</summary>
public sealed class Bottleneck : Module<Tensor, Tensor>
{
    /// <summary>Output channels = planes x expansion.</summary>
    public const int Expansion = 4;
    readonly Conv2d conv1, conv2, conv3;
    readonly BatchNorm2d bn1, bn2, bn3;
    readonly Module<Tensor, Tensor> shortcut;

    /// <summary>Creates a block from <paramref name="inPlanes"/> to 4 x <paramref name="planes"/> channels.</summary>
    public Bottleneck(string name, int inPlanes, int planes, int stride) : base(name)
    {
        conv1 = Conv2d(inPlanes, planes, 1, bias: false);
        bn1 = BatchNorm2d(planes);
        conv2 = Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        conv3 = Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = BatchNorm2d(planes * Expansion);
        shortcut = stride != 1 || inPlanes != planes * Expansion
            ? Sequential(Conv2d(inPlanes, planes * Expansion, 1, stride: stride, bias: false), BatchNorm2d(planes * Expansion))
            : Identity();
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = functional.relu(bn1.forward(conv1.forward(x)));
        y = functional.relu(bn2.forward(conv2.forward(y)));
        y = bn3.forward(conv3.forward(y));
        return functional.relu(y.add(shortcut.forward(x))).MoveToOuterDisposeScope();
    }
}
