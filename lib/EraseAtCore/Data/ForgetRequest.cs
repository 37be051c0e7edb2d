using System.Text.Json.Serialization;

namespace EraseAtCore.Data;

/// <summary>
/// What to forget, the one description the CLI, the runner, checkpoints and results share: whole classes, N classes drawn at random with a seed (the paper's
/// Random-10 of CIFAR-100 and Random-100 of ImageNet-1K), classes listed in a file (the paper's Top-100:
/// the ImageNet classes that overlap CUB), or a seeded random fraction of the training images.
/// </summary>
/// <param name="Kind">How the request chooses (in JSON "classes", "random-classes", "class-list" or "samples").</param>
/// <param name="Classes">Forgotten classes (class-wise; for random-classes and class-list the resolved ones).</param>
/// <param name="Fraction">Fraction of training images forgotten (sample-wise).</param>
/// <param name="Seed">Seed of the sample-wise or random-classes draw.</param>
/// <param name="Count">How many classes random-classes draws.</param>
public sealed record ForgetRequest(
    [property: JsonPropertyName("kind"), JsonConverter(typeof(ForgetKindJson))] ForgetKind Kind,
    [property: JsonPropertyName("classes")] IReadOnlyList<int> Classes,
    [property: JsonPropertyName("fraction")] double Fraction = 0,
    [property: JsonPropertyName("seed")] int Seed = 0,
    [property: JsonPropertyName("count")] int Count = 0)
{
    /// <summary>class-list: the file the classes were read from, as given.</summary>
    [JsonPropertyName("list_file")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ListFile { get; init; }

    /// <summary>class-list: the file's entries (class indices or class names), in file order.</summary>
    [JsonPropertyName("list_entries")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ListEntries { get; init; }

    /// <summary>
    /// Forget the classes listed in <paramref name="path"/>: one class per line (or separated by commas), each a
    /// class index or a class name as the dataset names it (names may hold spaces: "Ankle boot") (for an image folder, the
    /// sub-folder name, e.g. an ImageNet WordNet id n01530575); '#' starts a comment. Read now, so a later
    /// change to the file cannot alter a run already described.
    /// </summary>
    public static ForgetRequest OfClassList(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"--forget-classes-file {path}: no such file.");
        var entries = File.ReadAllLines(path)
            .Select(line => line.Split('#')[0])
            .SelectMany(line => line.Split([',', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToArray();
        if (entries.Length == 0) throw new ArgumentException($"--forget-classes-file {path} lists no class (one index or name per line; '#' starts a comment).");
        if (entries.GroupBy(e => e).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"--forget-classes-file {path} lists '{twice.Key}' {twice.Count()} times; list each class once.");
        return new ForgetRequest(ForgetKind.ClassList, []) { ListFile = path, ListEntries = entries };
    }
    /// <summary>The forms <see cref="Parse"/> reads, for help texts and errors.</summary>
    public const string SpecForms = "class-3 (or class-3-5 for several), random-10 (or random-10-seed1), samples-10pct (or samples-10pct-seed1), file:PATH (a class list)";

    /// <summary>
    /// A request from its short form, the same as its folder <see cref="Label"/> (for whole percentages: the label rounds
    /// samples-12.5pct to samples-12pct): class-3, class-3-5, random-10, random-10-seed1, samples-10pct, samples-10pct-seed1,
    /// or file:PATH for a class list. Used where several requests are given at once.
    /// </summary>
    public static ForgetRequest Parse(string spec)
    {
        string text = spec.Trim();
        if (text.StartsWith("file:", StringComparison.Ordinal)) return OfClassList(text["file:".Length..]);
        var parts = text.ToLowerInvariant().Split('-');
        int seed = 0;
        if (parts.Length > 2 && parts[^1].StartsWith("seed", StringComparison.Ordinal) && int.TryParse(parts[^1][4..], out int s) && s >= 0)
        {
            seed = s;
            parts = parts[..^1];
        }
        bool Int(string p, out int v) => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out v);
        switch (parts)
        {
            case ["class" or "classes", .. var classes] when classes.Length > 0 && seed == 0 && !text.Contains("seed"):
                var indices = new int[classes.Length];
                for (int i = 0; i < classes.Length; i++)
                    if (!Int(classes[i], out indices[i])) goto default;
                if (indices.Distinct().Count() != indices.Length) throw new ArgumentException($"Forget request '{spec}' names a class twice.");
                return OfClasses(indices);
            case ["random", var count] when Int(count, out int n):
                return OfRandomClasses(n, seed);
            case ["samples", var pct] when pct.EndsWith("pct", StringComparison.Ordinal)
                && double.TryParse(pct[..^3], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double percent):
                return OfSamples(percent / 100, seed);
            default:
                throw new ArgumentException($"Forget request '{spec}' is not one of the forms {SpecForms}.");
        }
    }

    /// <summary>Forget whole classes.</summary>
    public static ForgetRequest OfClasses(params int[] classes) => new(ForgetKind.Classes, classes);

    /// <summary>Forget <paramref name="count"/> classes drawn at random with <paramref name="seed"/> (resolved against the data).</summary>
    public static ForgetRequest OfRandomClasses(int count, int seed = 0) =>
        count >= 1 ? new(ForgetKind.RandomClasses, [], 0, seed, count) : throw new ArgumentException($"--forget-random-classes must be at least 1, got {count}.");

    /// <summary>
    /// This request with random classes drawn for <paramref name="data"/>: a seeded shuffle of the class indices,
    /// first <see cref="Count"/> taken, sorted. Same data size and seed, same classes, on every machine.
    /// </summary>
    public ForgetRequest Resolve(Dataset data)
    {
        if (Kind == ForgetKind.ClassList && Classes.Count == 0) return this with { Classes = ResolveList(data) };
        if (Kind != ForgetKind.RandomClasses || Classes.Count > 0) return this;
        if (Count >= data.ClassCount)
            throw new ArgumentException($"Cannot forget {Count} random classes of {data.ClassCount}: at least one class must be retained; use --forget-random-classes {data.ClassCount - 1} or fewer.");
        var rng = new Random(Seed);
        var order = Enumerable.Range(0, data.ClassCount).ToArray();
        rng.Shuffle(order);
        return this with { Classes = order.Take(Count).Order().ToArray() };
    }

    // Each entry is a class name of the data or an index; names win (an image folder may name a class "3").
    int[] ResolveList(Dataset data)
    {
        var byName = data.ClassNames.Select((name, index) => (name, index)).GroupBy(p => p.name).ToDictionary(g => g.Key, g => g.First().index);
        var unknown = new List<string>();
        var classes = new List<int>();
        foreach (var entry in ListEntries ?? [])
        {
            if (byName.TryGetValue(entry, out int named)) classes.Add(named);
            else if (int.TryParse(entry, out int index) && index >= 0 && index < data.ClassCount) classes.Add(index);
            else unknown.Add(entry);
        }
        if (unknown.Count > 0)
            throw new ArgumentException($"--forget-classes-file {ListFile}: {unknown.Count} entr{(unknown.Count == 1 ? "y is" : "ies are")} neither a class name of {data.Name} " +
                $"nor an index below {data.ClassCount}: {string.Join(", ", unknown.Take(5))}{(unknown.Count > 5 ? $" and {unknown.Count - 5} more" : "")}. " +
                $"Its classes are named like {string.Join(", ", data.ClassNames.Take(3))}.");
        if (classes.Distinct().Count() != classes.Count)
            throw new ArgumentException($"--forget-classes-file {ListFile} names a class twice (once by index, once by name); list each class once.");
        if (classes.Count >= data.ClassCount)
            throw new ArgumentException($"--forget-classes-file {ListFile} lists all {data.ClassCount} classes of {data.Name}: at least one class must be retained.");
        return classes.Order().ToArray();
    }

    /// <summary>Forget a random fraction of the training images.</summary>
    public static ForgetRequest OfSamples(double fraction, int seed = 0)
    {
        ForgetSplit.CheckFraction(fraction);   // now, not when the data is loaded
        return new(ForgetKind.Samples, [], fraction, seed);
    }

    /// <summary>The split of <paramref name="data"/> this request describes; the split records the request resolved.</summary>
    public ForgetSplit Apply(Dataset data)
    {
        if (Kind == ForgetKind.Samples) return ForgetSplit.Samples(data, Fraction, Seed);
        var resolved = Resolve(data);
        var split = ForgetSplit.Classes(data, resolved.Classes.ToArray());
        return Kind == ForgetKind.Classes ? split : split.MadeFrom(resolved);
    }

    /// <summary>e.g. "class 3", "3 random classes (seed 0): 1, 4, 8" or "10% of samples (seed 0)".</summary>
    public override string ToString() => Kind switch
    {
        ForgetKind.Classes => $"class{(Classes.Count > 1 ? "es" : "")} {string.Join(", ", Classes)}",
        ForgetKind.RandomClasses => $"{Count} random classes (seed {Seed})" + (Classes.Count > 0 ? ": " + string.Join(", ", Classes) : ""),
        ForgetKind.ClassList => $"{ListEntries?.Count ?? Classes.Count} classes listed in {Path.GetFileName(ListFile)}",
        _ => $"{Fraction:P0} of samples (seed {Seed})",
    };

    /// <summary>A short folder-safe label: class-3, random-3-seed0, samples-10pct-seed0.</summary>
    [JsonIgnore]
    public string Label => Kind switch
    {
        ForgetKind.Classes => "class-" + string.Join("-", Classes),
        ForgetKind.RandomClasses => $"random-{Count}-seed{Seed}",
        ForgetKind.ClassList => "list-" + string.Concat(Path.GetFileNameWithoutExtension(ListFile ?? "classes").Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '-')),
        _ => $"samples-{Math.Round(Fraction * 100)}pct-seed{Seed}",
    };
}
