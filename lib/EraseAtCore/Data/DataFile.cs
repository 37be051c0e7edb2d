namespace EraseAtCore.Data;

/// <summary>One file of a dataset as published: its name, where to download it, its SHA-256.</summary>
/// <param name="FileName">File name as published, e.g. train-images-idx3-ubyte.gz.</param>
/// <param name="Url">Official download address.</param>
/// <param name="Sha256">SHA-256 of the published file (lower-case hex); downloads must match it.</param>
/// <param name="OtherKnownSha256">Checksums of trusted repackagings (e.g. Debian re-compresses the gzip files).</param>
public sealed record DataFile(string FileName, string Url, string Sha256, params string[] OtherKnownSha256)
{
    /// <summary>Names under which the file may be stored: as published, and decompressed (without .gz).</summary>
    public IEnumerable<string> AcceptedNames =>
        FileName.EndsWith(".gz", StringComparison.Ordinal) ? [FileName, FileName[..^3]] : [FileName];

    /// <summary>Says where a checksum comes from: the official file, a known repackaging, or unknown.</summary>
    public string DescribeChecksum(string sha256) =>
        sha256 == Sha256 ? "official" : OtherKnownSha256.Contains(sha256) ? "known repackaging" : "unrecognised";
}

/// <summary>
/// What the locator needs to know about a dataset: its files, its folder name in the cache, the
/// system folders where packages install it, and how a user can get it.
/// </summary>
/// <param name="Name">Dataset name and cache folder name, e.g. fashion-mnist.</param>
/// <param name="Files">The files that make up the dataset.</param>
/// <param name="SystemFolders">Folders where an OS package installs the files.</param>
/// <param name="InstallHint">One sentence telling a user how to get the data.</param>
public sealed record DataManifest(string Name, IReadOnlyList<DataFile> Files, IReadOnlyList<string> SystemFolders, string InstallHint)
{
    /// <summary>
    /// Says whether a folder holds the dataset in a usable form. Null (the default) means "every file
    /// is present under an accepted name"; a dataset that may also be stored unpacked (CIFAR: the
    /// archive or the folder extracted from it) supplies its own test.
    /// </summary>
    public Func<string, bool>? IsPresent { get; init; }

    /// <summary>Whether <paramref name="folder"/> holds the dataset (see <see cref="IsPresent"/>).</summary>
    public bool IsPresentIn(string folder) =>
        IsPresent?.Invoke(folder) ?? Files.All(f => f.AcceptedNames.Any(n => File.Exists(Path.Combine(folder, n))));
}
