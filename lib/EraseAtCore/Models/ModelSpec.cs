namespace EraseAtCore.Models;

/// <summary>How a Vision Transformer turns its tokens into one vector for the classifier.</summary>
public enum VitPooling
{
    /// <summary>A learned class token, prepended to the patch tokens; its final state is used.</summary>
    ClassToken,
    /// <summary>The mean of the patch tokens' final states (no class token).</summary>
    Mean,
}

/// <summary>
/// Everything needed to rebuild a model: architecture name and options. Saved with every checkpoint
/// so that loading can check it matches. ResNets use <see cref="Width"/>; the ViT uses the init-only
/// ViT options below.
/// </summary>
/// <param name="Architecture">resnet18, resnet34, resnet50 (CIFAR-style), resnet18-imagenet, resnet34-imagenet,
/// resnet50-imagenet, swin-t (torchvision's layouts) or vit.</param>
/// <param name="InChannels">Input channels (1 for Fashion-MNIST, 3 for CIFAR).</param>
/// <param name="Classes">Number of output classes.</param>
/// <param name="Width">ResNet: width w of the first stage (stages have w, 2w, 4w, 8w channels; 64 is the standard ResNet).</param>
public sealed record ModelSpec(string Architecture, int InChannels, int Classes, int Width = 64)
{
    /// <summary>The known architecture names.</summary>
    public static readonly IReadOnlyList<string> Architectures =
        ["resnet18", "resnet34", "resnet50", "resnet18-imagenet", "resnet34-imagenet", "resnet50-imagenet", "swin-t", "vit"];

    /// <summary>
    /// The torchvision constructor whose state dict this architecture reads and writes key for key
    /// (e.g. "resnet50" for resnet50-imagenet, "swin_t" for swin-t), or null for the kit's own networks.
    /// </summary>
    public string? TorchvisionName => Architecture switch
    {
        "resnet18-imagenet" => "resnet18",
        "resnet34-imagenet" => "resnet34",
        "resnet50-imagenet" => "resnet50",
        "swin-t" => "swin_t",
        _ => null,
    };

    /// <summary>ViT: input image side in pixels (square images; must be a multiple of <see cref="PatchSize"/>).</summary>
    public int ImageSize { get; init; } = 28;
    /// <summary>ViT: patch side in pixels.</summary>
    public int PatchSize { get; init; } = 4;
    /// <summary>ViT: token embedding size.</summary>
    public int Dim { get; init; } = 64;
    /// <summary>ViT: number of encoder blocks (the supervision points block1..blockN).</summary>
    public int Depth { get; init; } = 4;
    /// <summary>ViT: attention heads per block (must divide <see cref="Dim"/>).</summary>
    public int Heads { get; init; } = 4;
    /// <summary>ViT: hidden size of each block's MLP as a multiple of <see cref="Dim"/>.</summary>
    public int MlpRatio { get; init; } = 2;
    /// <summary>ViT: class token or mean pooling.</summary>
    public VitPooling Pooling { get; init; } = VitPooling.ClassToken;

    /// <summary>A short human-readable description, e.g. "resnet18 w=16" or "vit d=64 depth=4 heads=4 patch=4".</summary>
    public string Describe() => Architecture switch
    {
        "vit" => $"vit dim={Dim} depth={Depth} heads={Heads} patch={PatchSize} image={ImageSize} pooling={Pooling}",
        "swin-t" => "swin-t",
        _ => $"{Architecture} w={Width}",
    };

    /// <summary>
    /// Checks what a model of this spec needs before anything is built or trained: a known architecture, a positive ResNet
    /// width, and ViT sizes that fit together. Channels and classes are checked where they are set from the data.
    /// </summary>
    /// <exception cref="ArgumentException">The first problem, with the option that sets it.</exception>
    public void Validate()
    {
        if (!Architectures.Contains(Architecture))
            throw new ArgumentException($"Unknown architecture '{Architecture}' (--arch). Known: {string.Join(", ", Architectures)}.");
        if (Architecture.StartsWith("resnet", StringComparison.Ordinal) && Width < 1)
            throw new ArgumentException($"--width must be at least 1 (64 is the standard ResNet), got {Width}.");
        if (Architecture == "vit" && (Dim < 1 || Heads < 1 || Dim % Heads != 0 || Depth < 1 || PatchSize < 1 || ImageSize % PatchSize != 0))
            throw new ArgumentException($"ViT sizes do not fit: dim {Dim} must be a multiple of heads {Heads}, depth at least 1, and image {ImageSize} a multiple of patch {PatchSize}.");
    }

    /// <summary>Builds a fresh, randomly initialised model of this spec (initialisation follows torch's seed).</summary>
    public StagedModel Create() => Architecture switch
    {
        "resnet18" => ResNet.ResNet18(InChannels, Classes, Width),
        "resnet34" => ResNet.ResNet34(InChannels, Classes, Width),
        "resnet50" => ResNet.ResNet50(InChannels, Classes, Width),
        "resnet18-imagenet" or "resnet34-imagenet" or "resnet50-imagenet" => new ImageNetResNet(this),
        "swin-t" => new SwinTransformer(this),
        "vit" => new VisionTransformer(this),
        _ => throw new ArgumentException($"Unknown architecture '{Architecture}'. Known: {string.Join(", ", Architectures)}."),
    };
}
