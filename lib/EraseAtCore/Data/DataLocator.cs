using System.Security.Cryptography;

namespace EraseAtCore.Data;

/// <summary>Where a dataset was found and how.</summary>
/// <param name="Folder">The folder holding its files.</param>
/// <param name="How">"explicit path", "ERASE_CORE_DATA", "data cache", "system package" or "downloaded".</param>
public sealed record LocatedData(string Folder, string How)
{
    /// <summary>The path of <paramref name="file"/> in <see cref="Folder"/> (published or decompressed name).</summary>
    public string PathOf(DataFile file) =>
        file.AcceptedNames.Select(n => Path.Combine(Folder, n)).FirstOrDefault(File.Exists)
        ?? Path.Combine(Folder, file.FileName);
}

/// <summary>Where to look for data; every field has a sensible default and can be overridden (tests do).</summary>
public sealed record DataSearch
{
    /// <summary>A folder the user named (e.g. --data-dir); tried first.</summary>
    public string? ExplicitFolder { get; init; }
    /// <summary>The ERASE_CORE_DATA environment variable (a folder with the files, or with one subfolder per dataset).</summary>
    public string? EnvironmentFolder { get; init; } = Environment.GetEnvironmentVariable("ERASE_CORE_DATA");
    /// <summary>The download cache: the repository's data/ folder (or ~/.cache/erase-core outside a checkout).</summary>
    public string CacheRoot { get; init; } = DataPaths.CacheRoot;
    /// <summary>Whether to download when the files are nowhere to be found.</summary>
    public bool AllowDownload { get; init; } = true;
    /// <summary>Replaces the official download base (tests point it at an unreachable address).</summary>
    public Func<DataFile, string>? UrlOverride { get; init; }
    /// <summary>Replaces the manifest's system folders (tests).</summary>
    public IReadOnlyList<string>? SystemFoldersOverride { get; init; }
    /// <summary>Receives progress lines ("downloading ..."); null = silent.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// Finds a dataset's files in a fixed order: explicit folder; ERASE_CORE_DATA; the data cache; the
/// system package folders; else downloads into the cache with SHA-256 verification. When all fail,
/// one error lists every place tried and how to fix it.
/// </summary>
public static class DataLocator
{
    /// <summary>Finds (or downloads) the dataset; throws <see cref="DatasetNotFoundException"/> when it cannot.</summary>
    public static LocatedData Locate(DataManifest manifest, DataSearch? search = null)
    {
        search ??= new DataSearch();
        var tried = new List<string>();
        foreach (var (folder, how) in Candidates(manifest, search))
        {
            if (manifest.IsPresentIn(folder)) return new LocatedData(folder, how);
            var missing = manifest.Files.Where(f => !f.AcceptedNames.Any(n => File.Exists(Path.Combine(folder, n)))).ToList();
            tried.Add($"  - {how}: {folder} ({(Directory.Exists(folder) ? "missing " + string.Join(", ", missing.Select(m => m.FileName)) : "no such folder")})");
        }

        string cache = Path.Combine(search.CacheRoot, manifest.Name);
        if (search.AllowDownload)
        {
            try
            {
                Download(manifest, cache, search);
                return new LocatedData(cache, "downloaded");
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or DataFormatException or UnauthorizedAccessException)
            {
                tried.Add($"  - download into {cache}: failed ({e.Message})");
            }
        }
        else
        {
            tried.Add("  - download: not attempted (downloads disabled)");
        }
        throw new DatasetNotFoundException(
            $"Could not find the {manifest.Name} dataset. Looked in, in this order:\n{string.Join("\n", tried)}\n" +
            $"To fix: {manifest.InstallHint} Or put the files ({string.Join(", ", manifest.Files.Select(f => f.FileName))}) in a folder " +
            "and pass it with --data-dir or the ERASE_CORE_DATA environment variable.");
    }

    /// <summary>The folders searched, in order, with how each was chosen (for `data info`).</summary>
    public static IEnumerable<(string Folder, string How)> Candidates(DataManifest manifest, DataSearch search)
    {
        if (!string.IsNullOrWhiteSpace(search.ExplicitFolder))
            yield return (Path.GetFullPath(search.ExplicitFolder), "explicit path");
        if (!string.IsNullOrWhiteSpace(search.EnvironmentFolder))
        {
            string env = Path.GetFullPath(search.EnvironmentFolder);
            yield return (Path.Combine(env, manifest.Name), "ERASE_CORE_DATA");
            yield return (env, "ERASE_CORE_DATA");
        }
        yield return (Path.Combine(search.CacheRoot, manifest.Name), "data cache");
        foreach (var system in search.SystemFoldersOverride ?? manifest.SystemFolders)
            yield return (system, "system package");
    }

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    static void Download(DataManifest manifest, string folder, DataSearch search)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        foreach (var file in manifest.Files)
        {
            string target = Path.Combine(folder, file.FileName);
            if (File.Exists(target) && Sha256Of(target) == file.Sha256) continue;
            string url = search.UrlOverride?.Invoke(file) ?? file.Url;
            search.Log?.Invoke($"downloading {url}");
            using var response = http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
            response.EnsureSuccessStatusCode();
            using var body = response.Content.ReadAsStream();
            // Verify before the file takes its final name, so a bad download never looks like data.
            string? actual = null;
            AtomicFile.Write(target, output =>
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                int n;
                while ((n = body.Read(buffer)) > 0) { sha.AppendData(buffer, 0, n); output.Write(buffer, 0, n); }
                actual = Convert.ToHexStringLower(sha.GetHashAndReset());
                if (actual != file.Sha256)
                    throw new DataFormatException(
                        $"{url}: SHA-256 {actual} does not match the expected {file.Sha256}; the download was discarded. " +
                        "Retry later, or fetch the file by hand and pass its folder with --data-dir.");
            });
        }
    }
}
