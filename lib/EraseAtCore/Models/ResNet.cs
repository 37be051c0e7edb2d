using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>
/// CIFAR-style ResNet (as in the widely used pytorch-cifar definition, so numbers compare with PyTorch
/// peers): 3x3 stem conv (stride 1, no max-pool) + BN + ReLU; stages layer1..layer4 with widths
/// w, 2w, 4w, 8w and strides 1, 2, 2, 2; global average pooling; a linear classifier. The four stages
/// are the supervision points.
/// </summary>
public sealed class ResNet : StagedModel
{
    static readonly string[] Names = ["layer1", "layer2", "layer3", "layer4"];
    readonly Conv2d conv1;
    readonly BatchNorm2d bn1;
    readonly Sequential layer1, layer2, layer3, layer4;
    readonly Linear linear;

    ResNet(ModelSpec spec, bool bottleneck, int[] blocks) : base(spec.Architecture, spec)
    {
        if (spec.Width <= 0 || spec.InChannels <= 0 || spec.Classes <= 1)
            throw new ArgumentException($"ResNet needs width > 0, in_channels > 0 and at least 2 classes; got {spec.Describe()} with {spec.InChannels} input channels and {spec.Classes} classes.");
        int w = spec.Width, inPlanes = w;
        conv1 = Conv2d(spec.InChannels, w, 3, stride: 1, padding: 1, bias: false);
        bn1 = BatchNorm2d(w);
        Sequential Stage(int planes, int count, int stride)
        {
            var layers = new List<(string, Module<Tensor, Tensor>)>();
            for (int i = 0; i < count; i++)
            {
                int s = i == 0 ? stride : 1;
                layers.Add(($"{i}", bottleneck ? new Bottleneck($"block{i}", inPlanes, planes, s) : new BasicBlock($"block{i}", inPlanes, planes, s)));
                inPlanes = planes * (bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion);
            }
            return Sequential(layers);
        }
        layer1 = Stage(w, blocks[0], 1);
        layer2 = Stage(2 * w, blocks[1], 2);
        layer3 = Stage(4 * w, blocks[2], 2);
        layer4 = Stage(8 * w, blocks[3], 2);
        linear = Linear(inPlanes, spec.Classes);
        RegisterComponents();
    }

    /// <summary>ResNet-18: BasicBlock x [2, 2, 2, 2].</summary>
    public static ResNet ResNet18(int inChannels = 3, int classes = 10, int width = 64) =>
        new(new ModelSpec("resnet18", inChannels, classes, width), false, [2, 2, 2, 2]);

    /// <summary>ResNet-34: BasicBlock x [3, 4, 6, 3].</summary>
    public static ResNet ResNet34(int inChannels = 3, int classes = 10, int width = 64) =>
        new(new ModelSpec("resnet34", inChannels, classes, width), false, [3, 4, 6, 3]);

    /// <summary>ResNet-50: Bottleneck (expansion 4) x [3, 4, 6, 3].</summary>
    public static ResNet ResNet50(int inChannels = 3, int classes = 10, int width = 64) =>
        new(new ModelSpec("resnet50", inChannels, classes, width), true, [3, 4, 6, 3]);

    /// <inheritdoc />
    public override IReadOnlyList<string> StageNames => Names;

    /// <inheritdoc />
    public override StagedOutput ForwardWithStages(Tensor input, IReadOnlyCollection<string> stages)
    {
        CheckStages(stages);
        using var scope = NewDisposeScope();
        var kept = new Dictionary<string, Tensor>();
        var x = functional.relu(bn1.forward(conv1.forward(input)));
        foreach (var (name, stage) in new[] { ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4) })
        {
            x = stage.forward(x);
            if (stages.Contains(name)) kept[name] = x.MoveToOuterDisposeScope();
        }
        var pooled = functional.adaptive_avg_pool2d(x, 1).flatten(1);
        var logits = linear.forward(pooled).MoveToOuterDisposeScope();
        return new StagedOutput(logits, kept);
    }
}
