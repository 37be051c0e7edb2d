using System.Formats.Tar;
using System.IO.Compression;

namespace EraseAtCore.Data;

/// <summary>Which of CIFAR-100's two labellings to use.</summary>
public enum CifarLabels
{
    /// <summary>The 100 fine classes (apple, aquarium_fish, ...): the usual CIFAR-100 benchmark.</summary>
    Fine,
    /// <summary>The 20 coarse superclasses (aquatic_mammals, fish, ...).</summary>
    Coarse,
}

/// <summary>
/// CIFAR-10 and CIFAR-100 (Krizhevsky, 2009): 32x32 colour images, read from the "binary version"
/// archives the authors publish. Each archive unpacks to one folder of fixed-size records: label
/// byte(s) followed by 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32x32 row-major),
/// which is already the channel-planar layout <see cref="ImageSet"/> keeps, so pixels are copied as is.
/// </summary>
/// <remarks>
/// Where the data comes from: <see cref="DataLocator"/> finds a folder holding either the archive or
/// the folder extracted from it (explicit folder, ERASE_CORE_DATA, data cache; no OS package ships
/// CIFAR) or downloads the archive into the cache with SHA-256 verification. An archive without its
/// extracted folder is unpacked beside it (into the cache if that folder is not writable), via a
/// temporary folder renamed into place, so an interrupted extraction never looks like data.
/// Class names: read from the names file in the extracted folder; when that file is absent (a user
/// copied only the .bin files) the built-in official names are used, since the names are fixed by the
/// dataset's definition. A names file that is present but has the wrong number of names is an error:
/// it means a damaged or mixed-up folder, which silently relabelling would hide.
/// </remarks>
public static class Cifar
{
    /// <summary>Pixel bytes per image: 3 channels x 32 x 32.</summary>
    public const int ImageBytes = Channels * Side * Side;
    /// <summary>Colour channels per image (red, green, blue planes, in that order).</summary>
    public const int Channels = 3;
    /// <summary>Image height and width in pixels.</summary>
    public const int Side = 32;

    /// <summary>CIFAR-10's class names as published in batches.meta.txt, index = label.</summary>
    public static readonly IReadOnlyList<string> Cifar10ClassNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>CIFAR-100's 20 coarse class names as published in coarse_label_names.txt, index = label.</summary>
    public static readonly IReadOnlyList<string> Cifar100CoarseClassNames =
    [
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
        "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
        "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
        "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
        "vehicles_1", "vehicles_2",
    ];

    /// <summary>CIFAR-100's 100 fine class names as published in fine_label_names.txt, index = label.</summary>
    public static readonly IReadOnlyList<string> Cifar100FineClassNames =
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ];

    const string Base = "https://www.cs.toronto.edu/~kriz/";

    /// <summary>
    /// The CIFAR-10 binary archive (170 052 171 bytes; the authors' page gives its MD5 as
    /// c32a1d4ab5d03f1284b67883e8d87530). The SHA-256 is the one TensorFlow Datasets and other
    /// projects pin for that file.
    /// </summary>
    public static readonly DataFile Cifar10Archive = new("cifar-10-binary.tar.gz", Base + "cifar-10-binary.tar.gz",
        "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd");

    /// <summary>
    /// The CIFAR-100 binary archive (168 513 733 bytes; MD5 03b5dce01913d631647c71ecec9e9cb8 on the
    /// authors' page). The SHA-256 is the one TensorFlow Datasets and other projects pin for that file.
    /// </summary>
    public static readonly DataFile Cifar100Archive = new("cifar-100-binary.tar.gz", Base + "cifar-100-binary.tar.gz",
        "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec");

    /// <summary>The folder the CIFAR-10 archive unpacks to.</summary>
    public const string Cifar10FolderName = "cifar-10-batches-bin";
    /// <summary>The folder the CIFAR-100 archive unpacks to.</summary>
    public const string Cifar100FolderName = "cifar-100-binary";

    /// <summary>CIFAR-10's training batches, read in this order (10 000 images each in the official set).</summary>
    public static readonly IReadOnlyList<string> Cifar10TrainFiles =
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];
    /// <summary>CIFAR-10's test batch (10 000 images in the official set).</summary>
    public const string Cifar10TestFile = "test_batch.bin";
    /// <summary>CIFAR-10's class names file: one name per line.</summary>
    public const string Cifar10NamesFile = "batches.meta.txt";
    /// <summary>CIFAR-100's training file (50 000 images in the official set).</summary>
    public const string Cifar100TrainFile = "train.bin";
    /// <summary>CIFAR-100's test file (10 000 images in the official set).</summary>
    public const string Cifar100TestFile = "test.bin";
    /// <summary>CIFAR-100's coarse class names file: one name per line.</summary>
    public const string Cifar100CoarseNamesFile = "coarse_label_names.txt";
    /// <summary>CIFAR-100's fine class names file: one name per line.</summary>
    public const string Cifar100FineNamesFile = "fine_label_names.txt";

    /// <summary>
    /// CIFAR-10's manifest. A folder counts as holding it when it has the archive, the extracted
    /// cifar-10-batches-bin folder, or is itself such a folder (so --data-dir may name either).
    /// </summary>
    public static readonly DataManifest Cifar10Manifest = new("cifar10", [Cifar10Archive], [],
        "No OS package ships CIFAR-10: rerun online and it downloads itself (162 MB), or fetch " +
        Cifar10Archive.Url + " by hand; the archive or its extracted " + Cifar10FolderName + " folder both work.")
    {
        IsPresent = folder => HoldsData(folder, Cifar10Archive, Cifar10FolderName, [Cifar10TrainFiles[0], Cifar10TestFile]),
    };

    /// <summary>CIFAR-100's manifest; as <see cref="Cifar10Manifest"/>, with the cifar-100-binary folder.</summary>
    public static readonly DataManifest Cifar100Manifest = new("cifar100", [Cifar100Archive], [],
        "No OS package ships CIFAR-100: rerun online and it downloads itself (161 MB), or fetch " +
        Cifar100Archive.Url + " by hand; the archive or its extracted " + Cifar100FolderName + " folder both work.")
    {
        IsPresent = folder => HoldsData(folder, Cifar100Archive, Cifar100FolderName, [Cifar100TrainFile, Cifar100TestFile]),
    };

    /// <summary>Locates (or downloads) CIFAR-10, unpacks it if needed, and loads it.</summary>
    public static Dataset LoadCifar10(DataSearch? search = null)
    {
        search ??= new DataSearch();
        var located = DataLocator.Locate(Cifar10Manifest, search);
        string folder = DataFolder(located, Cifar10Manifest, Cifar10FolderName, [Cifar10TrainFiles[0], Cifar10TestFile], search);
        return LoadCifar10Folder(folder, search.Log);
    }

    /// <summary>Locates (or downloads) CIFAR-100, unpacks it if needed, and loads it with the chosen labels.</summary>
    public static Dataset LoadCifar100(CifarLabels labels = CifarLabels.Fine, DataSearch? search = null)
    {
        search ??= new DataSearch();
        var located = DataLocator.Locate(Cifar100Manifest, search);
        string folder = DataFolder(located, Cifar100Manifest, Cifar100FolderName, [Cifar100TrainFile, Cifar100TestFile], search);
        return LoadCifar100Folder(folder, labels, search.Log);
    }

    /// <summary>
    /// Reads an extracted cifar-10-batches-bin folder (or a folder containing one): the five training
    /// batches, the test batch and, if present, batches.meta.txt.
    /// </summary>
    /// <param name="batchesFolder">The folder holding data_batch_1.bin ... test_batch.bin.</param>
    /// <param name="log">Receives a line with the image counts read; null = silent.</param>
    /// <exception cref="DataFormatException">A file is missing, truncated, or has a label outside 0..9.</exception>
    public static Dataset LoadCifar10Folder(string batchesFolder, Action<string>? log = null)
    {
        string folder = Unwrap(batchesFolder, Cifar10FolderName, Cifar10TestFile);
        RequireFiles(folder, "CIFAR-10", [.. Cifar10TrainFiles, Cifar10TestFile], Cifar10Archive, Cifar10FolderName);
        int[] limits = [Cifar10ClassNames.Count];
        var train = ReadRecords(folder, Cifar10TrainFiles, limits, "CIFAR-10");
        var test = ReadRecords(folder, [Cifar10TestFile], limits, "CIFAR-10");
        var names = ReadNames(folder, Cifar10NamesFile, Cifar10ClassNames, Cifar10Archive, log);
        Report(log, "cifar10", folder, train, test);
        return new Dataset("cifar10", names,
            new ImageSet(train.Pixels, train.Labels[0], Channels, Side, Side, names.Count),
            new ImageSet(test.Pixels, test.Labels[0], Channels, Side, Side, names.Count),
            folder);
    }

    /// <summary>
    /// Reads an extracted cifar-100-binary folder (or a folder containing one): train.bin, test.bin
    /// and, if present, the names file of the chosen labelling. Both label bytes of every record are
    /// checked whichever labelling is chosen, since a bad byte of either means a corrupt file.
    /// </summary>
    /// <param name="folder">The folder holding train.bin and test.bin.</param>
    /// <param name="labels">Fine (100 classes, named "cifar100") or coarse (20, named "cifar100-coarse").</param>
    /// <param name="log">Receives a line with the image counts read; null = silent.</param>
    /// <exception cref="DataFormatException">A file is missing, truncated, or has a label out of range.</exception>
    public static Dataset LoadCifar100Folder(string folder, CifarLabels labels, Action<string>? log = null)
    {
        folder = Unwrap(folder, Cifar100FolderName, Cifar100TestFile);
        RequireFiles(folder, "CIFAR-100", [Cifar100TrainFile, Cifar100TestFile], Cifar100Archive, Cifar100FolderName);
        // Record order: coarse label byte, then fine label byte.
        int[] limits = [Cifar100CoarseClassNames.Count, Cifar100FineClassNames.Count];
        var train = ReadRecords(folder, [Cifar100TrainFile], limits, "CIFAR-100");
        var test = ReadRecords(folder, [Cifar100TestFile], limits, "CIFAR-100");
        bool fine = labels == CifarLabels.Fine;
        var names = fine
            ? ReadNames(folder, Cifar100FineNamesFile, Cifar100FineClassNames, Cifar100Archive, log)
            : ReadNames(folder, Cifar100CoarseNamesFile, Cifar100CoarseClassNames, Cifar100Archive, log);
        int which = fine ? 1 : 0;
        string name = fine ? "cifar100" : "cifar100-coarse";
        Report(log, name, folder, train, test);
        return new Dataset(name, names,
            new ImageSet(train.Pixels, train.Labels[which], Channels, Side, Side, names.Count),
            new ImageSet(test.Pixels, test.Labels[which], Channels, Side, Side, names.Count),
            folder);
    }

    /// <summary>
    /// Returns the path of <paramref name="extractedName"/> inside <paramref name="folder"/>, first
    /// unpacking the archive found there (published .tar.gz or decompressed .tar) if that folder is
    /// absent. Only regular files directly inside <paramref name="extractedName"/>/ are unpacked (the
    /// CIFAR archives are flat), so an archive cannot write outside the target. The files go to a
    /// temporary folder that is renamed into place when complete.
    /// </summary>
    /// <param name="folder">Folder holding the archive.</param>
    /// <param name="archive">The archive's manifest entry (names, URL and checksum for error messages).</param>
    /// <param name="extractedName">The folder the archive unpacks to, e.g. cifar-10-batches-bin.</param>
    /// <param name="fallbackFolder">Where to unpack when <paramref name="folder"/> is not writable; null = nowhere else.</param>
    /// <param name="log">Receives "extracting ..." lines; null = silent.</param>
    /// <exception cref="DataFormatException">No archive, or it is corrupt or lacks <paramref name="extractedName"/>/.</exception>
    public static string EnsureExtracted(string folder, DataFile archive, string extractedName, string? fallbackFolder = null, Action<string>? log = null)
    {
        string extracted = Path.Combine(folder, extractedName);
        if (Directory.Exists(extracted)) return extracted;
        if (fallbackFolder != null && Directory.Exists(Path.Combine(fallbackFolder, extractedName)))
            return Path.Combine(fallbackFolder, extractedName);
        string archivePath = archive.AcceptedNames.Select(n => Path.Combine(folder, n)).FirstOrDefault(File.Exists)
            ?? throw new DataFormatException(
                $"{folder}: holds neither {extractedName}/ nor {archive.FileName}. Put one of them there, " +
                $"or download {archive.Url}.");

        // Only a failure to create the temporary folder means "not writable"; later errors concern the archive.
        string target = folder;
        string temp;
        try { temp = CreateTempFolder(folder, extractedName); }
        catch (Exception e) when (fallbackFolder != null && e is UnauthorizedAccessException or IOException)
        {
            log?.Invoke($"cannot write to {folder} ({e.Message}); extracting into {fallbackFolder} instead");
            target = fallbackFolder;
            temp = CreateTempFolder(fallbackFolder, extractedName);
        }
        try
        {
            log?.Invoke($"extracting {archivePath} into {target}");
            ExtractMembers(archivePath, archive, extractedName, temp);
            string final = Path.Combine(target, extractedName);
            try { Directory.Move(temp, final); }
            catch (IOException) when (Directory.Exists(final))
            {
                // Another process finished extracting first; its copy is complete (it was renamed into place too).
            }
            return final;
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    static bool HoldsData(string folder, DataFile archive, string extractedName, string[] markers) =>
        archive.AcceptedNames.Any(n => File.Exists(Path.Combine(folder, n)))
        || Directory.Exists(Path.Combine(folder, extractedName))
        || markers.All(m => File.Exists(Path.Combine(folder, m)));

    /// <summary>The folder with the .bin files for a located dataset, unpacking the archive if needed.</summary>
    static string DataFolder(LocatedData located, DataManifest manifest, string extractedName, string[] markers, DataSearch search)
    {
        // --data-dir may name the extracted folder itself.
        if (!Directory.Exists(Path.Combine(located.Folder, extractedName)) && markers.All(m => File.Exists(Path.Combine(located.Folder, m))))
            return located.Folder;
        string cache = Path.GetFullPath(Path.Combine(search.CacheRoot, manifest.Name));
        string? fallback = Path.GetFullPath(located.Folder) == cache ? null : cache;
        return EnsureExtracted(located.Folder, manifest.Files[0], extractedName, fallback, search.Log);
    }

    /// <summary>Accepts the parent of an extracted folder too: uses the extracted folder inside it.</summary>
    static string Unwrap(string folder, string extractedName, string marker)
    {
        string inner = Path.Combine(folder, extractedName);
        return !File.Exists(Path.Combine(folder, marker)) && Directory.Exists(inner) ? inner : folder;
    }

    static string CreateTempFolder(string parent, string extractedName)
    {
        string temp = Path.Combine(parent, $".{extractedName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        return temp;
    }

    static void ExtractMembers(string archivePath, DataFile archive, string extractedName, string destination)
    {
        int extracted = 0;
        try
        {
            using var file = File.OpenRead(archivePath);
            using Stream data = archivePath.EndsWith(".gz", StringComparison.Ordinal)
                ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new TarReader(data);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                if (MemberFileName(entry.Name, extractedName) is not { } name) continue;
                using (var output = new FileStream(Path.Combine(destination, name), FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    entry.DataStream?.CopyTo(output);
                    output.Flush(flushToDisk: true);
                    // A cut-off archive may end inside a member without the decompressor noticing; never keep a short file.
                    if (output.Length != entry.Length)
                        throw new EndOfStreamException($"{entry.Name} ends after {output.Length} of its {entry.Length} bytes");
                }
                extracted++;
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            string sha = DataLocator.Sha256Of(archivePath);
            throw new DataFormatException(
                $"{archivePath}: cannot be extracted ({e.Message}). The archive is incomplete or corrupt: its SHA-256 is {sha} " +
                $"({archive.DescribeChecksum(sha)}; the official file's is {archive.Sha256}). Delete it and rerun to download " +
                $"it again, or fetch {archive.Url} by hand.", e);
        }
        if (extracted == 0)
            throw new DataFormatException(
                $"{archivePath}: holds no files under {extractedName}/, so it is not the binary-version archive " +
                $"(the python and matlab versions unpack to other folders). Get {archive.Url}.");
    }

    /// <summary>The file name of a member directly inside <paramref name="extractedName"/>/, or null to skip it.</summary>
    static string? MemberFileName(string entryName, string extractedName)
    {
        string name = entryName.StartsWith("./", StringComparison.Ordinal) ? entryName[2..] : entryName;
        if (!name.StartsWith(extractedName + "/", StringComparison.Ordinal)) return null;
        string rest = name[(extractedName.Length + 1)..];
        if (rest.Length == 0 || rest is "." or ".." || rest.IndexOfAny(['/', '\\']) >= 0
            || rest.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            return null;
        return rest;
    }

    static void RequireFiles(string folder, string dataset, string[] files, DataFile archive, string extractedName)
    {
        var missing = files.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        if (missing.Count == 0) return;
        throw new DataFormatException(
            $"{folder}: missing {string.Join(", ", missing)}. A {dataset} binary folder holds {string.Join(", ", files)}. " +
            (Directory.Exists(folder)
                ? $"Delete the incomplete {extractedName} folder and rerun so {archive.FileName} is extracted again, or point --data-dir at a complete copy."
                : $"The folder does not exist: point --data-dir at the folder holding {archive.FileName} or {extractedName}/."));
    }

    /// <summary>Images read from one or more record files.</summary>
    /// <param name="Pixels">All images' pixel bytes, in file order.</param>
    /// <param name="Labels">One array per label byte of the record (CIFAR-100: coarse, then fine).</param>
    /// <param name="PerFile">Images per file, for the report.</param>
    sealed record Records(byte[] Pixels, int[][] Labels, (string File, int Count)[] PerFile);

    /// <summary>
    /// Reads fixed-size records (label bytes, then <see cref="ImageBytes"/> pixel bytes). Record counts
    /// come from file lengths, which must be whole multiples of the record size; any count is accepted
    /// (small test files, subsets) and reported.
    /// </summary>
    static Records ReadRecords(string folder, IReadOnlyList<string> files, int[] limits, string dataset)
    {
        int labelBytes = limits.Length;
        int recordSize = labelBytes + ImageBytes;
        string labelDescription = labelBytes == 1 ? "1 label byte" : "a coarse and a fine label byte";
        string otherHint = labelBytes == 1
            ? $" (CIFAR-100 records are {ImageBytes + 2} bytes)"
            : $" (CIFAR-10 records are {ImageBytes + 1} bytes)";
        var paths = files.Select(f => Path.Combine(folder, f)).ToArray();
        var counts = new int[paths.Length];
        long total = 0;
        for (int f = 0; f < paths.Length; f++)
        {
            long length = new FileInfo(paths[f]).Length;
            if (length == 0 || length % recordSize != 0)
                throw new DataFormatException(
                    $"{paths[f]}: {length} bytes is not a whole, non-zero number of {recordSize}-byte {dataset} records " +
                    $"({labelDescription} + {ImageBytes} pixel bytes each): found {length / recordSize} whole records and " +
                    $"{length % recordSize} bytes left over. The file is truncated or not a {dataset} binary file{otherHint}. " +
                    "Delete the extracted folder and rerun so the archive is extracted (or downloaded) again.");
            counts[f] = checked((int)(length / recordSize));
            total += counts[f];
        }
        if (total * ImageBytes > Array.MaxLength)
            throw new DataFormatException($"{folder}: {total} images do not fit in one array; a {dataset} set has at most 50000 per split.");

        var pixels = new byte[total * ImageBytes];
        var labels = new int[labelBytes][];
        for (int j = 0; j < labelBytes; j++) labels[j] = new int[total];
        var head = new byte[labelBytes];
        int n = 0;
        for (int f = 0; f < paths.Length; f++)
        {
            try
            {
                using var stream = new FileStream(paths[f], FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
                for (int i = 0; i < counts[f]; i++, n++)
                {
                    stream.ReadExactly(head);
                    for (int j = 0; j < labelBytes; j++)
                    {
                        if (head[j] >= limits[j])
                            throw new DataFormatException(
                                $"{paths[f]}: record {i} (byte offset {(long)i * recordSize + j}) has " +
                                $"{(labelBytes == 1 ? "" : j == 0 ? "coarse " : "fine ")}label {head[j]}; {dataset} " +
                                $"{(labelBytes == 1 ? "" : j == 0 ? "coarse " : "fine ")}labels are 0..{limits[j] - 1}. " +
                                $"The file is corrupt or not a {dataset} binary file{otherHint}. Delete the extracted folder and " +
                                "rerun so the archive is extracted (or downloaded) again.");
                        labels[j][n] = head[j];
                    }
                    stream.ReadExactly(pixels, n * ImageBytes, ImageBytes);
                }
            }
            catch (EndOfStreamException e)
            {
                // The length was checked above, so the file shrank while being read.
                throw new DataFormatException($"{paths[f]}: ended early while being read (is it being written to?). Retry once it is complete.", e);
            }
        }
        return new Records(pixels, labels, files.Select((file, i) => (file, counts[i])).ToArray());
    }

    static IReadOnlyList<string> ReadNames(string folder, string fileName, IReadOnlyList<string> official, DataFile archive, Action<string>? log)
    {
        string path = Path.Combine(folder, fileName);
        if (!File.Exists(path))
        {
            log?.Invoke($"{path} not found; using the official class names");
            return official;
        }
        // The published files end with blank lines (and may have CR LF endings): names are the non-blank lines.
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length != official.Count)
            throw new DataFormatException(
                $"{path}: expected {official.Count} class names, one per line; found {names.Length}" +
                $"{(names.Length > 0 ? $" ({string.Join(", ", names.Take(5))}{(names.Length > 5 ? ", ..." : "")})" : "")}. " +
                $"The file is truncated or belongs to another dataset. Restore it from {archive.FileName}, or delete it " +
                "to use the built-in official names.");
        return names;
    }

    static void Report(Action<string>? log, string name, string folder, Records train, Records test)
    {
        if (log == null) return;
        static string Describe(Records r) =>
            $"{r.Labels[0].Length} ({string.Join(", ", r.PerFile.Select(p => $"{p.File}: {p.Count}"))})";
        bool official = train.Labels[0].Length == 50000 && test.Labels[0].Length == 10000;
        log($"{name}: read {folder}: train {Describe(train)}, test {Describe(test)}" +
            (official ? "" : "; the official set has 50000 train / 10000 test images, this copy differs"));
    }
}
