namespace EraseAtCore.Data;

/// <summary>
/// An image-classification dataset kept as a folder tree, the layout of ImageNet and of
/// torchvision's ImageFolder: <c>root/train/&lt;class&gt;/*.jpg</c> and <c>root/val/&lt;class&gt;/*.jpg</c>
/// (<c>root/test/</c> is accepted instead of <c>val/</c>). Every image is decoded, resized so its
/// shorter side is the requested size (or <see cref="ImageFolderOptions.Resize"/>), centre-cropped to a
/// square (the standard ImageNet evaluation transform, see <see cref="ImageResize"/>) and kept in memory
/// as bytes; or, for sets that do not fit in memory, streamed from the files batch by batch.
/// </summary>
/// <remarks>
/// Labels: the class folders under <c>train/</c>, sorted ordinally (as torchvision sorts them), so
/// label i is the i-th name; an evaluation folder must use the same names. Image files: .jpg,
/// .jpeg, .png and .bmp in any letter case (ImageNet's end in .JPEG), also in subfolders of a class
/// folder (torchvision walks them too); other files are skipped and counted in the log, and names
/// starting with "." (macOS "._x.jpg" resource forks, .ipynb_checkpoints) are ignored because they
/// are never images of the class. Decoding uses StbImageSharp (a managed port of stb_image: no
/// native library to ship next to libtorch), always to 3 channels, so grey and RGBA files mix freely
/// with colour ones. Files are decoded in parallel, each into its own fixed slot, so the image order
/// (classes in label order, files sorted by path within a class) never depends on thread timing.
/// </remarks>
public static class ImageFolder
{
    /// <summary>The name given to every dataset loaded here.</summary>
    public const string DatasetName = "imagefolder";

    /// <summary>The training split's folder under the root.</summary>
    public const string TrainFolderName = "train";

    /// <summary>Folder names accepted for the evaluation split, in order of preference.</summary>
    public static readonly IReadOnlyList<string> EvaluationFolderNames = ["val", "test"];

    /// <summary>Extensions of the files read as images (compared ignoring case).</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp"];

    /// <summary>Colour channels of every loaded image (red, green, blue planes, in that order).</summary>
    public const int Channels = 3;

    const int ProgressEvery = 1000;

    const string Layout =
        "ROOT/train/<class>/*.jpg and ROOT/val/<class>/*.jpg (or ROOT/test/<class>/...), one folder per class, " +
        "with .jpg, .jpeg, .png or .bmp images";

    static string ExtensionList => string.Join("/", ImageExtensions);

    /// <summary>
    /// Loads <paramref name="root"/>/train and <paramref name="root"/>/val (or test), every image
    /// resized and centre-cropped to <paramref name="imageSize"/> x <paramref name="imageSize"/>.
    /// </summary>
    /// <param name="root">The folder holding train/ and val/ (or test/).</param>
    /// <param name="imageSize">Side of the square images produced.</param>
    /// <param name="log">Receives a summary, skipped-file notes and progress ("decoded N/M images"
    /// every 1000 images); called from one thread at a time.</param>
    /// <returns>The dataset, named "imagefolder", with the train folder names as class names and
    /// the evaluation split as <see cref="Dataset.Test"/>.</returns>
    /// <exception cref="DataFormatException">The layout is wrong, a class folder is empty or unknown,
    /// or a file cannot be read or decoded; the message names the folder or file.</exception>
    public static Dataset Load(string root, int imageSize, Action<string>? log = null) => Load(root, new ImageFolderOptions(imageSize), log);

    /// <summary>
    /// Loads <paramref name="root"/>/train and <paramref name="root"/>/val (or test) as <paramref name="options"/>
    /// say: held in memory, or streamed from the files batch by batch (see <see cref="ImageFolderOptions.Stream"/>).
    /// </summary>
    public static Dataset Load(string root, ImageFolderOptions options, Action<string>? log = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        int imageSize = options.ImageSize, resize = options.Resize ?? options.ImageSize;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageSize);
        if (resize < imageSize) throw new ArgumentOutOfRangeException(nameof(options), $"The resize ({resize}) cannot be smaller than the crop ({imageSize}).");
        string full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
            throw new DataFormatException($"{full}: folder not found. Expected an ImageNet-style folder: {Layout}.");

        string trainDir = Path.Combine(full, TrainFolderName);
        if (!Directory.Exists(trainDir))
            throw new DataFormatException(
                $"{full}: has no {TrainFolderName}/ folder; found {Describe(VisibleFolders(full), "no folders")}. " +
                $"Expected {Layout}.{WrongLevelHint(full)}");
        string? evalName = EvaluationFolderNames.FirstOrDefault(n => Directory.Exists(Path.Combine(full, n)));
        if (evalName == null)
            throw new DataFormatException(
                $"{full}: has no {string.Join(" or ", EvaluationFolderNames.Select(n => n + "/"))} folder next to {TrainFolderName}/; " +
                $"found {Describe(VisibleFolders(full), "no folders")}. Expected {Layout}. Split off some images per class into " +
                $"ROOT/val/<class>/ (ImageNet's validation images must first be sorted into class folders).");
        if (evalName != EvaluationFolderNames[0] && log != null)
            log($"{DatasetName}: {full} has no {EvaluationFolderNames[0]}/ folder; evaluating on {evalName}/");
        string evalDir = Path.Combine(full, evalName);

        // Classes come from train alone: a class missing from train could never be learnt.
        var classes = VisibleFolders(trainDir).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0)
            throw new DataFormatException(
                $"{trainDir}: holds no class folders{FilesHint(trainDir)}. Expected {Layout}: the images of each class go in " +
                $"their own folder, whose name becomes the class name.");
        var skipped = new List<string>();
        var trainFiles = classes.Select(c => ImageFiles(Path.Combine(trainDir, c), skipped)).ToArray();
        var empty = classes.Where((_, i) => trainFiles[i].Length == 0).ToArray();
        if (empty.Length > 0)
            throw new DataFormatException(
                $"{trainDir}: class folder{(empty.Length == 1 ? "" : "s")} {Describe(empty, "")} hold{(empty.Length == 1 ? "s" : "")} " +
                $"no {ExtensionList} images{OtherFilesHint(trainDir, empty)}. Every train folder becomes a class, and a class " +
                "without images can never be learnt: add its images or remove the folder.");

        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var evalClasses = VisibleFolders(evalDir).Order(StringComparer.Ordinal).ToArray();
        var unknown = evalClasses.Where(c => !classIndex.ContainsKey(c)).ToArray();
        if (unknown.Length > 0)
            throw new DataFormatException(
                $"{evalDir}: class folder{(unknown.Length == 1 ? "" : "s")} {Describe(unknown, "")} " +
                $"ha{(unknown.Length == 1 ? "s" : "ve")} no counterpart in {trainDir} (its classes: {Describe(classes, "")}). " +
                $"Labels come from the {TrainFolderName}/ folder names, so every {evalName}/ folder must name one of them exactly " +
                "(case matters): rename or remove it, or add its training images.");
        var evalFiles = evalClasses.Select(c => ImageFiles(Path.Combine(evalDir, c), skipped)).ToArray();

        var trainJobs = trainFiles.SelectMany((files, label) => files.Select(f => (Path: f, Label: label))).ToArray();
        var evalJobs = evalClasses.SelectMany((c, i) => evalFiles[i].Select(f => (Path: f, Label: classIndex[c]))).ToArray();
        if (evalJobs.Length == 0)
            throw new DataFormatException(
                $"{evalDir}: holds no {ExtensionList} images in class folders{FilesHint(evalDir)}. Expected {Layout}.");

        int imageBytes = Channels * imageSize * imageSize;
        long decodedBytes = (long)(trainJobs.Length + evalJobs.Length) * imageBytes;
        bool tooLargeForAnArray = Math.Max(trainJobs.Length, evalJobs.Length) * (long)imageBytes > Array.MaxLength;
        if (options.Stream ?? (decodedBytes > options.InMemoryLimitBytes || tooLargeForAnArray))
        {
            log?.Invoke($"{DatasetName}: {full}: {classes.Length} classes, {TrainFolderName} {trainJobs.Length} images, {evalName} {evalJobs.Length} images; " +
                        $"streamed from the files at {imageSize}x{imageSize} (decoded per batch, not held in memory)" +
                        (skipped.Count > 0 ? $"; skipped {skipped.Count} files that are not {ExtensionList} images" : ""));
            var streamedTrain = ImageSet.Streamed(new ImageFiles(trainJobs.Select(j => j.Path).ToArray(), imageSize, resize), trainJobs.Select(j => j.Label).ToArray(), classes.Length);
            var streamedTest = ImageSet.Streamed(new ImageFiles(evalJobs.Select(j => j.Path).ToArray(), imageSize, resize), evalJobs.Select(j => j.Label).ToArray(), classes.Length);
            return new Dataset(DatasetName, classes, streamedTrain, streamedTest, full);
        }
        foreach (var (jobs, dir) in new[] { (trainJobs, trainDir), (evalJobs, evalDir) })
            if ((long)jobs.Length * imageBytes > Array.MaxLength)
                throw new DataFormatException(
                    $"{dir}: {jobs.Length} images of {imageSize}x{imageSize}x{Channels} bytes need {(long)jobs.Length * imageBytes >> 20} MB, " +
                    $"more than one array holds ({Array.MaxLength >> 20} MB). Stream the images from the files instead (ImageFolderOptions.Stream; the paper presets do), or use a smaller image size.");

        if (log != null)
        {
            if (skipped.Count > 0)
                log($"{DatasetName}: skipped {skipped.Count} file{(skipped.Count == 1 ? "" : "s")} that are not {ExtensionList} images " +
                    $"(e.g. {string.Join(", ", skipped.Take(3))})");
            var missing = classes.Where(c => !evalClasses.Contains(c, StringComparer.Ordinal)
                                             || evalFiles[Array.IndexOf(evalClasses, c)].Length == 0).ToArray();
            if (missing.Length > 0)
                log($"{DatasetName}: {evalName}/ has no images of {missing.Length} of the {classes.Length} classes " +
                    $"({Describe(missing, "")}); their test accuracy cannot be measured");
            long megabytes = ((long)(trainJobs.Length + evalJobs.Length) * imageBytes + (1 << 20) - 1) >> 20; // rounded up
            log($"{DatasetName}: {full}: {classes.Length} class{(classes.Length == 1 ? "" : "es")}, {TrainFolderName} " +
                $"{trainJobs.Length} images, {evalName} {evalJobs.Length} images; decoding to {imageSize}x{imageSize} " +
                $"({megabytes} MB in memory)");
        }

        var trainPixels = new byte[(long)trainJobs.Length * imageBytes];
        var evalPixels = new byte[(long)evalJobs.Length * imageBytes];
        var all = trainJobs.Select((j, i) => new DecodeJob(j.Path, trainPixels, (long)i * imageBytes))
            .Concat(evalJobs.Select((j, i) => new DecodeJob(j.Path, evalPixels, (long)i * imageBytes)))
            .ToArray();
        DecodeAll(all, imageSize, resize, log);

        var train = new ImageSet(trainPixels, trainJobs.Select(j => j.Label).ToArray(), Channels, imageSize, imageSize, classes.Length);
        var test = new ImageSet(evalPixels, evalJobs.Select(j => j.Label).ToArray(), Channels, imageSize, imageSize, classes.Length);
        return new Dataset(DatasetName, classes, train, test, full);
    }

    /// <summary>One file to decode and where its pixels go.</summary>
    sealed record DecodeJob(string Path, byte[] Target, long Offset);

    static void DecodeAll(DecodeJob[] jobs, int size, int resize, Action<string>? log)
    {
        var errors = new DataFormatException?[jobs.Length];
        var gate = new object();
        int done = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        var result = Parallel.For(0, jobs.Length, options, (i, state) =>
        {
            try { Decode(jobs[i], size, resize); }
            catch (DataFormatException e)
            {
                // Break (not Stop) lets every lower index finish, so the error reported is the first
                // bad file in image order, the same on every run, not whichever thread failed first.
                errors[i] = e;
                state.Break();
                return;
            }
            if (log == null) return;
            lock (gate)
            {
                done++;
                if (done % ProgressEvery == 0 || done == jobs.Length) log($"decoded {done}/{jobs.Length} images");
            }
        });
        if (result.LowestBreakIteration is not { } failed) return;
        // stb_image keeps its failure reason in one static field shared by all threads, so a parallel
        // failure may carry another file's reason: decode the file again alone for the true one.
        Decode(jobs[failed], size, resize);
        throw errors[failed]!; // it decoded this time (the file changed under us?): report the first failure
    }

    static void Decode(DecodeJob job, int size, int resize)
    {
        var image = ImageDecoder.Decode(job.Path);
        ImageResize.ResizeAndCenterCrop(image.Rgb, image.Width, image.Height, resize, size,
            job.Target.AsSpan(checked((int)job.Offset), Channels * size * size));
    }

    /// <summary>Image files under a class folder (recursively), sorted by relative path; others go to <paramref name="skipped"/>.</summary>
    static string[] ImageFiles(string classDir, List<string> skipped)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false };
        var images = new List<(string Relative, string Full)>();
        foreach (var path in Directory.EnumerateFiles(classDir, "*", options))
        {
            string relative = Path.GetRelativePath(classDir, path).Replace('\\', '/');
            if (relative.Split('/').Any(part => part.StartsWith('.'))) continue;
            if (ImageExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase)) images.Add((relative, path));
            else skipped.Add(path);
        }
        return images.OrderBy(f => f.Relative, StringComparer.Ordinal).Select(f => f.Full).ToArray();
    }

    /// <summary>Names of the subfolders of <paramref name="dir"/>, hidden ones (leading ".") left out.</summary>
    static string[] VisibleFolders(string dir) =>
        Directory.EnumerateDirectories(dir).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).ToArray();

    static string Describe(IReadOnlyList<string> names, string none) =>
        names.Count == 0 ? none : string.Join(", ", names.Take(8)) + (names.Count > 8 ? $", ... ({names.Count} in all)" : "");

    /// <summary>When the folder has loose files, says so (images straight in train/ instead of in class folders).</summary>
    static string FilesHint(string dir)
    {
        var files = Directory.EnumerateFiles(dir).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).ToArray();
        return files.Length == 0 ? "" : $" but {files.Length} file{(files.Length == 1 ? "" : "s")} ({Describe(files, "")}) directly inside it";
    }

    /// <summary>For empty class folders: which other files they do hold (e.g. .webp), so the reason is visible.</summary>
    static string OtherFilesHint(string trainDir, string[] emptyClasses)
    {
        var others = emptyClasses
            .SelectMany(c => Directory.EnumerateFiles(Path.Combine(trainDir, c), "*", SearchOption.AllDirectories))
            .Select(Path.GetFileName).OfType<string>().ToArray();
        return others.Length == 0 ? "" : $" (other files there: {Describe(others, "")})";
    }

    /// <summary>A hint when the root given looks like train/ itself or a class folder rather than the dataset root.</summary>
    static string WrongLevelHint(string full)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(full));
        if (EvaluationFolderNames.Append(TrainFolderName).Contains(name, StringComparer.Ordinal))
            return $" {full} looks like a split folder itself: pass its parent folder.";
        bool imagesHere = Directory.EnumerateFiles(full)
            .Any(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase));
        return imagesHere ? $" {full} holds images directly, so it looks like a class folder: pass the folder above train/ and val/." : "";
    }
}

/// <summary>How <see cref="ImageFolder.Load(string, ImageFolderOptions, Action{string}?)"/> reads a folder.</summary>
/// <param name="ImageSize">Side of the square images produced.</param>
public sealed record ImageFolderOptions(int ImageSize)
{
    /// <summary>
    /// The shorter side each image is resized to before the centre crop of <see cref="ImageSize"/>; null: the
    /// image size itself (the whole shorter side is kept). <see cref="ImageTransforms.EvalResize"/> gives
    /// torchvision's evaluation transform (256 then 224).
    /// </summary>
    public int? Resize { get; init; }

    /// <summary>
    /// True: keep only the file list and decode each batch on worker threads (ImageNet-1K's 1.28 M images
    /// do not fit in memory); training batches then use torchvision's RandomResizedCrop when the recipe asks
    /// for it. False: decode everything once and hold it in memory (small sets; fastest per epoch). Null: stream
    /// when the decoded images would take more than <see cref="InMemoryLimitBytes"/>.
    /// </summary>
    public bool? Stream { get; init; }

    /// <summary>With <see cref="Stream"/> null, the decoded size above which the folder is streamed (default 4 GiB).</summary>
    public long InMemoryLimitBytes { get; init; } = 4L << 30;
}
