using System.Text.Json;
using System.Text.Json.Serialization;

namespace EraseAtCore.Data;

/// <summary>How a forget request chooses what to forget. In JSON: "classes", "random-classes", "class-list", "samples".</summary>
[JsonConverter(typeof(ForgetKindJson))]
public enum ForgetKind
{
    /// <summary>Every image of the given classes (class-wise forgetting).</summary>
    Classes,
    /// <summary>Every image of N classes drawn at random with a seed (the paper's Random-10 of CIFAR-100, Random-100 of ImageNet-1K).</summary>
    RandomClasses,
    /// <summary>Every image of the classes listed in a file, by index or name (the paper's Top-100).</summary>
    ClassList,
    /// <summary>A random, seeded fraction of the training images (sample-wise forgetting).</summary>
    Samples,
}

/// <summary>Writes and reads <see cref="ForgetKind"/> by its kebab-case name, as results and checkpoints have always spelled it.</summary>
sealed class ForgetKindJson() : JsonStringEnumConverter<ForgetKind>(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false);
