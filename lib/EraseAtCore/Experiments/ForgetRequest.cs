using System.Text.Json.Serialization;
using EraseAtCore.Data;

namespace EraseAtCore.Experiments;

/// <summary>
/// What to forget, as results record it: whole classes, N classes drawn at random with a seed (the paper's
/// Random-10 of CIFAR-100 and Random-100 of ImageNet-1K), or a seeded random fraction of the training images.
/// </summary>
/// <param name="Kind">"classes", "random-classes" or "samples".</param>
/// <param name="Classes">Forgotten classes (class-wise; for random-classes the drawn ones once resolved).</param>
/// <param name="Fraction">Fraction of training images forgotten (sample-wise).</param>
/// <param name="Seed">Seed of the sample-wise or random-classes draw.</param>
/// <param name="Count">How many classes random-classes draws.</param>
public sealed record ForgetRequest(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("classes")] IReadOnlyList<int> Classes,
    [property: JsonPropertyName("fraction")] double Fraction = 0,
    [property: JsonPropertyName("seed")] int Seed = 0,
    [property: JsonPropertyName("count")] int Count = 0)
{
    /// <summary>Forget whole classes.</summary>
    public static ForgetRequest OfClasses(params int[] classes) => new("classes", classes);

    /// <summary>Forget <paramref name="count"/> classes drawn at random with <paramref name="seed"/> (resolved against the data).</summary>
    public static ForgetRequest OfRandomClasses(int count, int seed = 0) =>
        count >= 1 ? new("random-classes", [], 0, seed, count) : throw new ArgumentException($"--forget-random-classes must be at least 1, got {count}.");

    /// <summary>
    /// This request with random classes drawn for <paramref name="data"/>: a seeded shuffle of the class indices,
    /// first <see cref="Count"/> taken, sorted. Same data size and seed, same classes, on every machine.
    /// </summary>
    public ForgetRequest Resolve(Dataset data)
    {
        if (Kind != "random-classes" || Classes.Count > 0) return this;
        if (Count >= data.ClassCount)
            throw new ArgumentException($"Cannot forget {Count} random classes of {data.ClassCount}: at least one class must be retained; use --forget-random-classes {data.ClassCount - 1} or fewer.");
        var rng = new Random(Seed);
        var order = Enumerable.Range(0, data.ClassCount).ToArray();
        rng.Shuffle(order);
        return this with { Classes = order.Take(Count).Order().ToArray() };
    }

    /// <summary>Forget a random fraction of the training images.</summary>
    public static ForgetRequest OfSamples(double fraction, int seed = 0) => new("samples", [], fraction, seed);

    /// <summary>The split of <paramref name="data"/> this request describes.</summary>
    public ForgetSplit Apply(Dataset data) => Kind switch
    {
        "classes" => ForgetSplit.Classes(data, Classes.ToArray()),
        "random-classes" => ForgetSplit.Classes(data, Resolve(data).Classes.ToArray()),
        "samples" => ForgetSplit.Samples(data, Fraction, Seed),
        _ => throw new ArgumentException($"Unknown forget kind '{Kind}'; use classes, random-classes or samples."),
    };

    /// <summary>e.g. "class 3", "3 random classes (seed 0): 1, 4, 8" or "10% of samples (seed 0)".</summary>
    public override string ToString() => Kind switch
    {
        "classes" => $"class{(Classes.Count > 1 ? "es" : "")} {string.Join(", ", Classes)}",
        "random-classes" => $"{Count} random classes (seed {Seed})" + (Classes.Count > 0 ? ": " + string.Join(", ", Classes) : ""),
        _ => $"{Fraction:P0} of samples (seed {Seed})",
    };

    /// <summary>A short folder-safe label: class-3, random-3-seed0, samples-10pct-seed0.</summary>
    [JsonIgnore]
    public string Label => Kind switch
    {
        "classes" => "class-" + string.Join("-", Classes),
        "random-classes" => $"random-{Count}-seed{Seed}",
        _ => $"samples-{Math.Round(Fraction * 100)}pct-seed{Seed}",
    };
}
