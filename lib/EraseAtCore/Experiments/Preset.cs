using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Training;
using static TorchSharp.torch;

namespace EraseAtCore.Experiments;

/// <summary>Which data a preset trains on.</summary>
public enum PresetData
{
    /// <summary>The embedded Fashion-MNIST subset (6000 / 1000): no download, runs anywhere.</summary>
    FashionMnistMini,
    /// <summary>The full Fashion-MNIST (60000 / 10000).</summary>
    FashionMnistFull,
    /// <summary>CIFAR-100 (fine labels, 50000 / 10000).</summary>
    Cifar100,
    /// <summary>An ImageNet-style folder: root/train/&lt;class&gt;/*.jpg and root/val/&lt;class&gt;/*.jpg.</summary>
    ImageFolder,
}

/// <summary>
/// A named, documented experiment recipe: data, model and training recipe. Every field can be
/// overridden with a <c>with</c> expression (the CLI maps its options onto this).
/// </summary>
public sealed record Preset
{
    /// <summary>The preset's name (quick, full, cifar100, imagenet).</summary>
    public required string Name { get; init; }
    /// <summary>One paragraph: what it is for and what to expect.</summary>
    public required string Description { get; init; }
    /// <summary>The data it trains on.</summary>
    public required PresetData Data { get; init; }
    /// <summary>Architecture and options (channels and classes are set from the data).</summary>
    public required ModelSpec Model { get; init; }
    /// <summary>The training recipe of the Original and Retrain models.</summary>
    public required TrainConfig Train { get; init; }
    /// <summary>Input normalisation.</summary>
    public required Normalization Normalize { get; init; }
    /// <summary>Side of the images fed to the model (ImageFolder data is resized to it).</summary>
    public int ImageSize { get; init; } = 28;
    /// <summary>Default forget request: these classes.</summary>
    public IReadOnlyList<int> ForgetClasses { get; init; } = [3];
    /// <summary>
    /// Training images kept per class (a stratified, seeded subset of the data's training split); null keeps all.
    /// The quick preset keeps 300 of the embedded 600 per class so the whole reproduction fits in minutes on a CPU.
    /// </summary>
    public int? TrainPerClass { get; init; }
    /// <summary>Test images kept per class (stratified, seeded); null keeps all. For small experiments and tests.</summary>
    public int? TestPerClass { get; init; }
    /// <summary>Default forget request when it is not just <see cref="ForgetClasses"/> (e.g. the paper's Random-100); null: those classes.</summary>
    public ForgetRequest? DefaultForget { get; init; }
    /// <summary>
    /// The unlearning recipe of this preset as <c>--option</c> items (e.g. <c>all.epochs=10</c>, <c>all.lr=0.01</c>), applied
    /// under the user's own options; empty: each method's tuned default (<see cref="MethodCatalog.DefaultConfig"/>).
    /// </summary>
    public IReadOnlyList<string> UnlearnOptions { get; init; } = [];
    /// <summary>ImageFolder data: stream the images from their files per batch (true), hold them in memory (false), or decide by size (null: stream above 4 GiB decoded).</summary>
    public bool? Stream { get; init; }
    /// <summary>ImageFolder data: shorter side before the evaluation centre crop (null: <see cref="ImageSize"/>; 256 for 224 is torchvision's).</summary>
    public int? EvalResize { get; init; }
    /// <summary>What the preset cannot do alone, said before any work starts (e.g. a class list that is not distributed); null: nothing.</summary>
    public string? Requires { get; init; }

    /// <summary>The forget request used when none is given.</summary>
    public ForgetRequest DefaultForgetRequest => DefaultForget ?? ForgetRequest.OfClasses(ForgetClasses.ToArray());

    /// <summary>Embedded Fashion-MNIST, ResNet-18 w=16, 5 epochs at batch 64 without augmentation: about 2-3 minutes on a 2-core CPU.</summary>
    public static Preset Quick { get; } = new()
    {
        Name = "quick",
        Description = "Embedded Fashion-MNIST subset, 300 training images per class (3000/1000), ResNet-18 w=16, 5 epochs of SGD " +
                      "(batch 64, lr 0.05, cosine), no augmentation (on so short a schedule it costs more accuracy than it saves). The whole " +
                      "reproduction (Original, Retrain, 13 methods, every metric) runs in minutes on a 2-core CPU; the default of the tests, " +
                      "notebooks and `reproduce`.",
        Data = PresetData.FashionMnistMini,
        TrainPerClass = 300,
        Model = new ModelSpec("resnet18", 1, 10, Width: 16),
        Train = new TrainConfig { Epochs = 5, BatchSize = 64, LearningRate = 0.05, Augment = null },
        Normalize = Normalization.FashionMnist,
    };

    /// <summary>Full Fashion-MNIST, ResNet-18 w=16, 8 epochs at batch 128 with crop and flip: well under an hour on a 2-core CPU.</summary>
    public static Preset Full { get; } = Quick with
    {
        Name = "full",
        TrainPerClass = null,
        Description = "Full Fashion-MNIST (60000/10000), ResNet-18 w=16, 8 epochs of SGD (batch 128, lr 0.05, cosine) with 2-pixel " +
                      "random crop and flip: well under an hour on a 2-core CPU, minutes on a GPU.",
        Data = PresetData.FashionMnistFull,
        Train = new TrainConfig { Epochs = 8, BatchSize = 128, LearningRate = 0.05, Augment = new Augmentation(2, true) },
    };

    /// <summary>CIFAR-100, ResNet-18 w=64, the standard CIFAR recipe (200 epochs, lr 0.1): for GPU users.</summary>
    public static Preset Cifar100 { get; } = new()
    {
        Name = "cifar100",
        Description = "CIFAR-100 (fine labels), standard ResNet-18 (w=64), the usual CIFAR recipe: 200 epochs, SGD lr 0.1, " +
                      "momentum 0.9, weight decay 5e-4, cosine schedule, 4-pixel random crop and flip. Meant for a GPU " +
                      "(hours there; days on a CPU).",
        Data = PresetData.Cifar100,
        Model = new ModelSpec("resnet18", 3, 100, Width: 64),
        Train = new TrainConfig { Epochs = 200, BatchSize = 128, LearningRate = 0.1, Augment = Augmentation.Standard },
        Normalize = Normalization.Cifar100,
        ImageSize = 32,
        ForgetClasses = [0],
    };

    /// <summary>ResNet-50 on an ImageNet-style folder, images resized to 64 px: for GPU users.</summary>
    public static Preset ImageNet { get; } = new()
    {
        Name = "imagenet",
        Description = "ResNet-50 (w=64) on an ImageNet-style folder (root/train/<class>/*.jpg, root/val/<class>/*.jpg; pass it " +
                      "with --data-dir), images resized and centre-cropped to 64 px and held in memory, 90 epochs at lr 0.1. " +
                      "Meant for a GPU and for ImageNet subsets that fit in memory (e.g. Imagenette, ImageNet-100 at 64 px).",
        Data = PresetData.ImageFolder,
        Model = new ModelSpec("resnet50", 3, 1000, Width: 64),
        Train = new TrainConfig { Epochs = 90, BatchSize = 256, LearningRate = 0.1, WeightDecay = 1e-4, Augment = new Augmentation(8, true) },
        Normalize = Normalization.ImageNet,
        ImageSize = 64,
        ForgetClasses = [0],
        Stream = false,   // its crop-and-pad augmentation works on images held in memory
    };

    /// <summary>
    /// The field's unlearning recipe (UUEF's and SalUn's defaults), used by the paper presets: SGD, lr 0.01, momentum 0.9,
    /// 10 epochs, batch 256, for every method unless an <c>--option</c> says otherwise (the paper grid-searches lr per method).
    /// </summary>
    public static IReadOnlyList<string> FieldUnlearnRecipe { get; } = ["all.epochs=10", "all.lr=0.01", "all.momentum=0.9", "all.batch-size=256"];

    /// <summary>ImageNet-1K with torchvision's ResNet-50 at 224 px, 100 random classes forgotten: the card's first row.</summary>
    public static Preset PaperImageNetR50Random100 { get; } = new()
    {
        Name = "paper-imagenet-r50-random100",
        Description = "The authors' card, row 1: torchvision ResNet-50 on ImageNet-1K (--data-dir ROOT with ROOT/train/<wnid>/ and ROOT/val/<wnid>/), " +
                      "224 px, streamed from the JPEG files (RandomResizedCrop + flip for training, resize 256 / centre 224 for evaluation), " +
                      "Random-100 (100 classes drawn with --forget-seed, default 0), the field's unlearning recipe (SGD lr 0.01, momentum 0.9, " +
                      "10 epochs, batch 256). Start from imported models: --original FILE --retrain FILE (training ImageNet here is " +
                      "torchvision's 90-epoch recipe). Meant for a GPU.",
        Data = PresetData.ImageFolder,
        Model = new ModelSpec("resnet50-imagenet", 3, 1000),
        Train = new TrainConfig { Epochs = 90, BatchSize = 256, LearningRate = 0.1, WeightDecay = 1e-4, Augment = Augmentation.ImageNet },
        Normalize = Normalization.ImageNet,
        ImageSize = 224,
        EvalResize = 256,
        Stream = true,
        DefaultForget = ForgetRequest.OfRandomClasses(100, 0),
        UnlearnOptions = FieldUnlearnRecipe,
    };

    /// <summary>The card's second row: ResNet-50 on ImageNet-1K forgetting the 100 classes that overlap CUB (a class list the user provides).</summary>
    public static Preset PaperImageNetR50Top100 { get; } = PaperImageNetR50Random100 with
    {
        Name = "paper-imagenet-r50-top100",
        Description = "The authors' card, row 2: as paper-imagenet-r50-random100, forgetting Top-100, the ImageNet classes that overlap CUB-200. " +
                      "The list is not distributed with the card: pass it with --forget-classes-file FILE (one WordNet id such as n01530575, " +
                      "or class index, per line).",
        DefaultForget = null,
        Requires = "the Top-100 class list: pass --forget-classes-file FILE (the ImageNet classes that overlap CUB-200, one WordNet id or index per line); " +
                   "it is not distributed with the authors' card.",
    };

    /// <summary>The card's third row: ResNet-50 on CIFAR-100, 10 random classes forgotten.</summary>
    public static Preset PaperCifar100R50Random10 { get; } = new()
    {
        Name = "paper-cifar100-r50-random10",
        Description = "The authors' card, row 3: torchvision ResNet-50 on CIFAR-100 (fine labels), images resized from 32 to 224 px per batch and " +
                      "normalised with ImageNet's statistics (our reading of a pretrained ResNet-50 fine-tuned on CIFAR; the paper's input " +
                      "size is not known to us), 4-pixel crop and flip at 32 px for training, Random-10 (--forget-seed, default 0), the field's " +
                      "unlearning recipe. Start from imported models: --original FILE --retrain FILE. Meant for a GPU.",
        Data = PresetData.Cifar100,
        Model = new ModelSpec("resnet50-imagenet", 3, 100),
        Train = new TrainConfig { Epochs = 200, BatchSize = 128, LearningRate = 0.1, Augment = Augmentation.Standard },
        Normalize = Normalization.ImageNet with { ResizeTo = 224 },
        ImageSize = 32,
        DefaultForget = ForgetRequest.OfRandomClasses(10, 0),
        UnlearnOptions = FieldUnlearnRecipe,
    };

    /// <summary>The card's fourth row: torchvision Swin-T on ImageNet-1K, 100 random classes forgotten.</summary>
    public static Preset PaperImageNetSwinTRandom100 { get; } = PaperImageNetR50Random100 with
    {
        Name = "paper-imagenet-swint-random100",
        Description = "The authors' card, row 4: torchvision Swin-T (stages stage1..stage4) on ImageNet-1K, otherwise as " +
                      "paper-imagenet-r50-random100. Training Swin-T from scratch here uses the kit's SGD trainer, not Swin's AdamW recipe: " +
                      "start from imported models (--original FILE --retrain FILE).",
        Model = new ModelSpec("swin-t", 3, 1000),
    };

    /// <summary>The presets of the authors' checkpoint card.</summary>
    public static IReadOnlyList<Preset> Paper { get; } = [PaperImageNetR50Random100, PaperImageNetR50Top100, PaperCifar100R50Random10, PaperImageNetSwinTRandom100];

    /// <summary>All presets, by name.</summary>
    public static IReadOnlyList<Preset> All { get; } = [Quick, Full, Cifar100, ImageNet, .. Paper];

    /// <summary>The preset called <paramref name="name"/>; unknown names get the list of known ones.</summary>
    public static Preset Get(string name) =>
        All.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown preset '{name}'. Known presets: {string.Join(", ", All.Select(p => p.Name))}.");

    /// <summary>Refuses a data folder (--data-dir) the preset would not read, instead of ignoring it without a word.</summary>
    public void CheckDataFolder(string? folder)
    {
        if (Data == PresetData.FashionMnistMini && folder is not null)
            throw new ArgumentException($"--data-dir {folder} is not read by the {Name} preset, which uses the embedded Fashion-MNIST subset. " +
                                        $"Drop --data-dir, or choose a preset that reads files: {string.Join(", ", All.Where(p => p.Data != PresetData.FashionMnistMini).Select(p => p.Name))}.");
    }

    /// <summary>Loads the preset's data (locating or downloading it as needed), keeping <see cref="TrainPerClass"/> training images per class.</summary>
    public Dataset LoadData(DataSearch? search = null)
    {
        CheckDataFolder(search?.ExplicitFolder);
        var data = LoadAll(search);
        if (TrainPerClass is { } n) data = data with { Train = MiniSubset.Stratified(data.Train, n, seed: 0) };
        if (TestPerClass is { } m) data = data with { Test = MiniSubset.Stratified(data.Test, m, seed: 0) };
        return data;
    }

    Dataset LoadAll(DataSearch? search) => Data switch
    {
        PresetData.FashionMnistMini => FashionMnist.Load(FashionMnistSource.Mini),
        PresetData.FashionMnistFull => FashionMnist.LoadFull(search),
        PresetData.Cifar100 => Cifar.LoadCifar100(CifarLabels.Fine, search),
        PresetData.ImageFolder => ImageFolder.Load(search?.ExplicitFolder ?? search?.EnvironmentFolder
            ?? throw new ArgumentException($"The {Name} preset needs the folder: pass --data-dir ROOT (with ROOT/train/<class>/ and ROOT/val/<class>/)."),
            new ImageFolderOptions(ImageSize) { Resize = EvalResize, Stream = Stream }, search?.Log),
        _ => throw new ArgumentOutOfRangeException(nameof(Data)),
    };

    /// <summary>How images reach this preset's models on <paramref name="device"/> (its normalisation there).</summary>
    public Feed FeedOn(Device device) => new(Normalize, device);

    /// <summary>The model spec adapted to the data: channels, classes and, for the ViT (whose positional
    /// embedding depends on it), image size. ResNets keep the spec's default so their specs compare equal
    /// to <c>ResNet.ResNet18(...).Spec</c>.</summary>
    public ModelSpec ModelFor(Dataset data) =>
        Model with
        {
            InChannels = data.Train.Channels, Classes = data.ClassCount,
            ImageSize = Model.Architecture == "vit" ? data.Train.Height : Model.ImageSize,
        };
}
