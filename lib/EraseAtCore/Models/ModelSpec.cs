namespace EraseAtCore.Models;

/// <summary>
/// Everything needed to rebuild a model: architecture name and options. Saved with every checkpoint
/// so that loading can check it matches.
/// </summary>
/// <param name="Architecture">resnet18, resnet34 or resnet50.</param>
/// <param name="InChannels">Input channels (1 for Fashion-MNIST, 3 for CIFAR).</param>
/// <param name="Classes">Number of output classes.</param>
/// <param name="Width">Width w of the first stage (stages have w, 2w, 4w, 8w channels; 64 is the standard ResNet).</param>
public sealed record ModelSpec(string Architecture, int InChannels, int Classes, int Width = 64)
{
    /// <summary>Builds a fresh, randomly initialised model of this spec (initialisation follows torch's seed).</summary>
    public StagedModel Create() => Architecture switch
    {
        "resnet18" => ResNet.ResNet18(InChannels, Classes, Width),
        "resnet34" => ResNet.ResNet34(InChannels, Classes, Width),
        "resnet50" => ResNet.ResNet50(InChannels, Classes, Width),
        _ => throw new ArgumentException($"Unknown architecture '{Architecture}'. Known: resnet18, resnet34, resnet50."),
    };
}
