namespace EraseAtCore.Data;

/// <summary>Which copy of Fashion-MNIST to load.</summary>
public enum FashionMnistSource
{
    /// <summary>The embedded stratified subset in data/fashion-mnist-mini (6000 train / 1000 test): always there.</summary>
    Mini,
    /// <summary>The full set (60000 / 10000): explicit folder, ERASE_CORE_DATA, data cache, Debian package, or download.</summary>
    Full,
}

/// <summary>
/// Fashion-MNIST (Xiao et al., 2017): 28x28 grey images of clothing in 10 classes, stored as four
/// gzip-compressed IDX files.
/// </summary>
public static class FashionMnist
{
    /// <summary>The ten class names, index = label.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    const string Base = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    /// <summary>The published files with their official SHA-256 (and Debian's re-compressed copies).</summary>
    public static readonly DataFile TrainImages = new("train-images-idx3-ubyte.gz", Base + "train-images-idx3-ubyte.gz",
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7");
    /// <inheritdoc cref="TrainImages"/>
    public static readonly DataFile TrainLabels = new("train-labels-idx1-ubyte.gz", Base + "train-labels-idx1-ubyte.gz",
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056");
    /// <inheritdoc cref="TrainImages"/>
    public static readonly DataFile TestImages = new("t10k-images-idx3-ubyte.gz", Base + "t10k-images-idx3-ubyte.gz",
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa");
    /// <inheritdoc cref="TrainImages"/>
    public static readonly DataFile TestLabels = new("t10k-labels-idx1-ubyte.gz", Base + "t10k-labels-idx1-ubyte.gz",
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05");

    /// <summary>The full dataset's manifest (used by the locator and `data info`).</summary>
    public static readonly DataManifest Manifest = new("fashion-mnist", [TrainImages, TrainLabels, TestImages, TestLabels],
        ["/usr/share/datasets/fashion-mnist"],
        "On Debian/Ubuntu: `sudo apt-get install dataset-fashion-mnist`; online: rerun and it downloads itself.");

    /// <summary>Loads the embedded subset or the full set.</summary>
    public static Dataset Load(FashionMnistSource source = FashionMnistSource.Mini, DataSearch? search = null) =>
        source == FashionMnistSource.Mini ? LoadFolder(MiniFolder(), "fashion-mnist-mini") : LoadFull(search);

    /// <summary>Loads the full set, locating (or downloading) it first.</summary>
    public static Dataset LoadFull(DataSearch? search = null)
    {
        var located = DataLocator.Locate(Manifest, search);
        return LoadFolder(located.Folder, "fashion-mnist");
    }

    /// <summary>Loads the four IDX files from a folder, validating each and their agreement.</summary>
    public static Dataset LoadFolder(string folder, string name)
    {
        var located = new LocatedData(folder, "explicit path");
        var train = ReadPair(located.PathOf(TrainImages), located.PathOf(TrainLabels));
        var test = ReadPair(located.PathOf(TestImages), located.PathOf(TestLabels));
        return new Dataset(name, ClassNames, train, test, folder);
    }

    /// <summary>The folder of the embedded subset: beside the library (copied at build) or in the checkout.</summary>
    public static string MiniFolder()
    {
        string[] candidates =
        [
            .. Runtime.LibraryFiles.Candidates(Path.Combine("data", DataPaths.MiniFolderName)),
            Path.Combine(AppContext.BaseDirectory, "data", DataPaths.MiniFolderName),
            .. DataPaths.RepositoryDataFolder is { } repo ? new[] { Path.Combine(repo, DataPaths.MiniFolderName) } : [],
        ];
        foreach (var c in candidates)
            if (File.Exists(Path.Combine(c, TrainImages.FileName))) return c;
        throw new DatasetNotFoundException(
            $"The embedded Fashion-MNIST subset is missing (looked in {string.Join(", ", candidates)}). It is committed under " +
            "data/fashion-mnist-mini in the repository: check out the whole repository, or rebuild it with `erase-core data make-mini`.");
    }

    /// <summary>Reads one images file and its labels file and checks they describe the same images.</summary>
    public static ImageSet ReadPair(string imagesPath, string labelsPath)
    {
        foreach (var p in new[] { imagesPath, labelsPath })
            if (!File.Exists(p)) throw new DataFormatException($"{p}: file not found.");
        var (imageShape, pixels) = IdxFile.Read(imagesPath, 3);
        var (labelShape, labelBytes) = IdxFile.Read(labelsPath, 1);
        if (imageShape[0] != labelShape[0])
            throw new DataFormatException(
                $"{imagesPath} holds {imageShape[0]} images but {labelsPath} holds {labelShape[0]} labels. " +
                "The two files do not belong together (mixed train/test?) or one is corrupt.");
        if (imageShape[1] != 28 || imageShape[2] != 28)
            throw new DataFormatException($"{imagesPath}: images are {imageShape[1]}x{imageShape[2]}, Fashion-MNIST images are 28x28.");
        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i];
            if (labels[i] >= ClassNames.Count)
                throw new DataFormatException($"{labelsPath}: label {labels[i]} at position {i} is not a Fashion-MNIST class (0..9). The file is corrupt.");
        }
        return new ImageSet(pixels, labels, 1, 28, 28, ClassNames.Count);
    }
}
