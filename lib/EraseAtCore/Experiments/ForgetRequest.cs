using System.Text.Json.Serialization;
using EraseAtCore.Data;

namespace EraseAtCore.Experiments;

/// <summary>What to forget, as results record it: whole classes, or a seeded random fraction of the training images.</summary>
/// <param name="Kind">"classes" or "samples".</param>
/// <param name="Classes">Forgotten classes (class-wise).</param>
/// <param name="Fraction">Fraction of training images forgotten (sample-wise).</param>
/// <param name="Seed">Seed of the sample-wise draw.</param>
public sealed record ForgetRequest(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("classes")] IReadOnlyList<int> Classes,
    [property: JsonPropertyName("fraction")] double Fraction = 0,
    [property: JsonPropertyName("seed")] int Seed = 0)
{
    /// <summary>Forget whole classes.</summary>
    public static ForgetRequest OfClasses(params int[] classes) => new("classes", classes);

    /// <summary>Forget a random fraction of the training images.</summary>
    public static ForgetRequest OfSamples(double fraction, int seed = 0) => new("samples", [], fraction, seed);

    /// <summary>The split of <paramref name="data"/> this request describes.</summary>
    public ForgetSplit Apply(Dataset data) => Kind switch
    {
        "classes" => ForgetSplit.Classes(data, Classes.ToArray()),
        "samples" => ForgetSplit.Samples(data, Fraction, Seed),
        _ => throw new ArgumentException($"Unknown forget kind '{Kind}'; use classes or samples."),
    };

    /// <summary>e.g. "class 3" or "10% of samples (seed 0)".</summary>
    public override string ToString() => Kind == "classes"
        ? $"class{(Classes.Count > 1 ? "es" : "")} {string.Join(", ", Classes)}"
        : $"{Fraction:P0} of samples (seed {Seed})";
}
