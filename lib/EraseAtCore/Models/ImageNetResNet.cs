using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>
/// torchvision's ImageNet ResNet (resnet18, resnet50) with its exact layout and parameter names: 7x7
/// stride-2 stem conv1 + bn1 + ReLU, 3x3 stride-2 max-pool, stages layer1..layer4 (strides 1, 2, 2, 2),
/// global average pooling and the classifier <c>fc</c>. A state dict of
/// <c>torchvision.models.resnet50(num_classes=N)</c> loads into it key for key and back. The four
/// stages are the supervision points. <see cref="ModelSpec.Width"/> other than 64 gives the same names
/// with narrower tensors (for small CPU runs); only width 64 matches torchvision's shapes.
/// </summary>
public sealed class ImageNetResNet : StagedModel
{
    static readonly string[] Names = ["layer1", "layer2", "layer3", "layer4"];
    readonly Conv2d conv1;
    readonly BatchNorm2d bn1;
    readonly MaxPool2d maxpool;
    readonly Sequential layer1, layer2, layer3, layer4;
    readonly Linear fc;

    /// <summary>Builds the network of <paramref name="spec"/> (resnet18-imagenet, resnet34-imagenet or resnet50-imagenet).</summary>
    public ImageNetResNet(ModelSpec spec) : base(spec.Architecture, spec)
    {
        var (bottleneck, blocks) = spec.Architecture switch
        {
            "resnet18-imagenet" => (false, new[] { 2, 2, 2, 2 }),
            "resnet34-imagenet" => (false, new[] { 3, 4, 6, 3 }),
            "resnet50-imagenet" => (true, new[] { 3, 4, 6, 3 }),
            _ => throw new ArgumentException($"ImageNetResNet builds resnet18-imagenet, resnet34-imagenet or resnet50-imagenet, not '{spec.Architecture}'."),
        };
        if (spec.Width <= 0 || spec.InChannels <= 0 || spec.Classes <= 1)
            throw new ArgumentException($"ResNet needs width > 0, in_channels > 0 and at least 2 classes; got {spec.Describe()} with {spec.InChannels} input channels and {spec.Classes} classes.");
        int w = spec.Width, inPlanes = w;
        conv1 = Conv2d(spec.InChannels, w, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(w);
        maxpool = MaxPool2d(3, stride: 2, padding: 1);
        Sequential Stage(int planes, int count, int stride)
        {
            var layers = new List<(string, Module<Tensor, Tensor>)>();
            for (int i = 0; i < count; i++)
            {
                int s = i == 0 ? stride : 1;
                layers.Add(($"{i}", bottleneck ? new TorchvisionBottleneck(inPlanes, planes, s) : new TorchvisionBasicBlock(inPlanes, planes, s)));
                inPlanes = planes * (bottleneck ? TorchvisionBottleneck.Expansion : TorchvisionBasicBlock.Expansion);
            }
            return Sequential(layers);
        }
        layer1 = Stage(w, blocks[0], 1);
        layer2 = Stage(2 * w, blocks[1], 2);
        layer3 = Stage(4 * w, blocks[2], 2);
        layer4 = Stage(8 * w, blocks[3], 2);
        fc = Linear(inPlanes, spec.Classes);
        RegisterComponents();
        InitialiseLikeTorchvision();
    }

    // torchvision: Kaiming-normal (fan_out, ReLU) convolutions, BatchNorm weight 1 and bias 0; the
    // classifier keeps Linear's default. Matters only for training from scratch.
    void InitialiseLikeTorchvision()
    {
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is Conv2d conv) init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            else if (module is BatchNorm2d bn) { init.ones_(bn.weight); init.zeros_(bn.bias); }
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> StageNames => Names;

    /// <inheritdoc />
    public override StagedOutput ForwardWithStages(Tensor input, IReadOnlyCollection<string> stages)
    {
        CheckStages(stages);
        using var scope = NewDisposeScope();
        var kept = new Dictionary<string, Tensor>();
        var x = maxpool.forward(functional.relu(bn1.forward(conv1.forward(input))));
        foreach (var (name, stage) in new[] { ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4) })
        {
            x = stage.forward(x);
            if (stages.Contains(name)) kept[name] = x.MoveToOuterDisposeScope();
        }
        var pooled = functional.adaptive_avg_pool2d(x, 1).flatten(1);
        var logits = fc.forward(pooled).MoveToOuterDisposeScope();
        return new StagedOutput(logits, kept);
    }
}
