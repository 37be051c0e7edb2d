using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace EraseAtCore.Data;

/// <summary>
/// What a dataset is, as a fingerprint of its content: class names, and per split the labels and every pixel (images
/// held in memory) or every file's path, size and modification time (images streamed from files). Two copies of a
/// dataset with the same name and counts but other images get different fingerprints, so a cache never serves a
/// result computed on other data.
/// </summary>
public static class DataFingerprint
{
    static readonly ConditionalWeakTable<ImageSet, string> Known = new();

    /// <summary>The fingerprint of a whole dataset (name, class names, both splits), 16 hex digits.</summary>
    public static string Of(Dataset data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(data.Name + "\n" + string.Join("\n", data.ClassNames) + "\n"));
        hash.AppendData(Encoding.ASCII.GetBytes(Of(data.Train) + Of(data.Test)));
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    /// <summary>
    /// The fingerprint of one split, 16 hex digits; computed once per <see cref="ImageSet"/> (CIFAR-100's training split,
    /// 150 MB of pixels, takes a fraction of a second).
    /// </summary>
    public static string Of(ImageSet set) => Known.GetValue(set, Compute);

    static string Compute(ImageSet set)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.ASCII.GetBytes($"{set.Count} {set.Channels}x{set.Height}x{set.Width} {set.ClassCount}\n"));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(set.Labels.AsSpan()));
        if (set.Files is { } files)
        {
            // Reading every image of ImageNet to hash it would cost minutes; a replaced or edited file changes its size or time.
            hash.AppendData(Encoding.UTF8.GetBytes($"files {files.Size} {files.Resize}\n"));
            foreach (var path in files.Paths)
            {
                var info = new FileInfo(path);
                hash.AppendData(Encoding.UTF8.GetBytes($"{path}\t{(info.Exists ? info.Length : -1)}\t{(info.Exists ? info.LastWriteTimeUtc.Ticks : 0)}\n"));
            }
        }
        else hash.AppendData(set.Pixels);
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
