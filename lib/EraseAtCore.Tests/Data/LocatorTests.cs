using System.Net;
using System.Net.Sockets;
using System.Text;
using EraseAtCore.Data;

namespace EraseAtCore.Tests.Data;

/// <summary>
/// Where the full Fashion-MNIST is looked for, in which order, and what the user is told when it is
/// nowhere. Copies of the embedded subset stand in for the full files (the locator checks names, the
/// reader checks content). Downloads go to a refused loopback port or a tiny local server, so the
/// tests run offline and at once. Every test works in its own temporary folder, removed afterwards.
/// </summary>
public sealed class LocatorTests : IDisposable
{
    const string SystemFolder = "/usr/share/datasets/fashion-mnist"; // Debian package dataset-fashion-mnist
    const string RefusedUrl = "http://127.0.0.1:9/x"; // the discard port on loopback: connection refused, instantly

    readonly string _root = Path.Combine(Path.GetTempPath(), "eraseat-locator-" + Guid.NewGuid().ToString("N"));

    public LocatorTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    string Dir(params string[] parts) => Path.Combine([_root, .. parts]);

    /// <summary>Puts copies of the four embedded files into <paramref name="folder"/> (created).</summary>
    static string FillWithMini(string folder, bool decompressedNames = false)
    {
        Directory.CreateDirectory(folder);
        string mini = FashionMnist.MiniFolder();
        foreach (var f in FashionMnist.Manifest.Files)
        {
            string source = Path.Combine(mini, f.FileName);
            if (!decompressedNames) { File.Copy(source, Path.Combine(folder, f.FileName)); continue; }
            using var gz = new System.IO.Compression.GZipStream(File.OpenRead(source), System.IO.Compression.CompressionMode.Decompress);
            using var output = File.Create(Path.Combine(folder, f.FileName[..^3]));
            gz.CopyTo(output);
        }
        return folder;
    }

    /// <summary>A search that sees only the folders a test names: no real environment, cache or system folder.</summary>
    DataSearch Search(string? explicitFolder = null, string? env = null, string? cacheRoot = null,
                      IReadOnlyList<string>? system = null, bool allowDownload = true, List<string>? log = null) => new()
    {
        ExplicitFolder = explicitFolder,
        EnvironmentFolder = env,
        CacheRoot = cacheRoot ?? Dir("cache"),
        SystemFoldersOverride = system ?? [],
        AllowDownload = allowDownload,
        UrlOverride = _ => RefusedUrl,
        Log = log is null ? null : log.Add,
    };

    // ---- the search order ----

    [Fact]
    public void SearchOrder_ExplicitThenEnvironmentThenCacheThenSystem()
    {
        string explicitFolder = FillWithMini(Dir("explicit"));
        string env = FillWithMini(Dir("env"));
        string cacheRoot = Dir("cache");
        string cache = FillWithMini(Path.Combine(cacheRoot, "fashion-mnist"));
        string system = FillWithMini(Dir("system"));
        var log = new List<string>();
        var everywhere = Search(explicitFolder, env, cacheRoot, [system], allowDownload: true, log);

        Assert.Equal(new LocatedData(explicitFolder, "explicit path"), DataLocator.Locate(FashionMnist.Manifest, everywhere));
        Assert.Equal(new LocatedData(env, "ERASE_CORE_DATA"), DataLocator.Locate(FashionMnist.Manifest, everywhere with { ExplicitFolder = null }));
        Assert.Equal(new LocatedData(cache, "data cache"),
            DataLocator.Locate(FashionMnist.Manifest, everywhere with { ExplicitFolder = null, EnvironmentFolder = null }));
        Assert.Equal(new LocatedData(system, "system package"),
            DataLocator.Locate(FashionMnist.Manifest, everywhere with { ExplicitFolder = null, EnvironmentFolder = null, CacheRoot = Dir("empty-cache") }));

        // Found each time without a download attempt.
        Assert.Empty(log);
        Assert.False(Directory.Exists(Dir("empty-cache")));
    }

    [Fact]
    public void SearchOrder_SkipsFoldersThatAreMissingOrIncomplete()
    {
        string explicitFolder = FillWithMini(Dir("explicit"));
        File.Delete(Path.Combine(explicitFolder, FashionMnist.TestLabels.FileName)); // 3 of 4 files: not the dataset
        string cacheRoot = Dir("cache");
        string cache = FillWithMini(Path.Combine(cacheRoot, "fashion-mnist"));

        var found = DataLocator.Locate(FashionMnist.Manifest, Search(explicitFolder, Dir("no-such-env"), cacheRoot, [FillWithMini(Dir("system"))]));

        Assert.Equal(new LocatedData(cache, "data cache"), found);
    }

    [Fact]
    public void EnvironmentFolder_WithADatasetSubfolder_IsFound_AndPreferredToItsRoot()
    {
        string env = Dir("env");
        string sub = FillWithMini(Path.Combine(env, "fashion-mnist"));

        Assert.Equal(new LocatedData(sub, "ERASE_CORE_DATA"), DataLocator.Locate(FashionMnist.Manifest, Search(env: env)));

        FillWithMini(env); // files at the root too: the dataset's own subfolder still comes first
        Assert.Equal(new LocatedData(sub, "ERASE_CORE_DATA"), DataLocator.Locate(FashionMnist.Manifest, Search(env: env)));
    }

    [Fact]
    public void DecompressedFiles_CountAsPresent_AndLoadThroughLoadFull()
    {
        string folder = FillWithMini(Dir("plain"), decompressedNames: true);
        Assert.Empty(Directory.GetFiles(folder, "*.gz"));

        Assert.Equal(new LocatedData(folder, "explicit path"), DataLocator.Locate(FashionMnist.Manifest, Search(folder)));
        var data = FashionMnist.LoadFull(Search(folder));
        Assert.Equal("fashion-mnist", data.Name);
        Assert.Equal(folder, data.Location);
        Assert.Equal((6000, 1000), (data.Train.Count, data.Test.Count));
        Assert.Equal(FashionMnist.Load().Test.Labels, data.Test.Labels);
    }

    [Fact]
    public void RelativeExplicitFolder_IsReportedAsAFullPath()
    {
        string folder = FillWithMini(Dir("rel"));
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, folder);
        Assert.Equal(new LocatedData(folder, "explicit path"), DataLocator.Locate(FashionMnist.Manifest, Search(relative)));
    }

    // ---- nothing found ----

    [Fact]
    public void NothingAnywhere_DownloadFails_ErrorListsEveryPlaceAndHowToFix()
    {
        string explicitFolder = Dir("explicit");
        Directory.CreateDirectory(explicitFolder); // exists, but empty
        string env = Dir("env");
        string cacheRoot = Dir("cache");
        string system = Dir("system");
        var log = new List<string>();

        var e = Assert.Throws<DatasetNotFoundException>(() =>
            DataLocator.Locate(FashionMnist.Manifest, Search(explicitFolder, env, cacheRoot, [system], allowDownload: true, log)));
        string m = e.Message;

        string cache = Path.Combine(cacheRoot, "fashion-mnist");
        string[] places =
        [
            $"explicit path: {explicitFolder} (missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)",
            $"ERASE_CORE_DATA: {Path.Combine(env, "fashion-mnist")} (no such folder)",
            $"ERASE_CORE_DATA: {env} (no such folder)",
            $"data cache: {cache} (no such folder)",
            $"system package: {system} (no such folder)",
            $"download into {cache}: failed (",
        ];
        foreach (var place in places) Assert.Contains(place, m);
        var positions = places.Select(p => m.IndexOf(p, StringComparison.Ordinal)).ToArray();
        Assert.Equal(positions.Order(), positions); // listed in the order tried

        Assert.StartsWith("Could not find the fashion-mnist dataset", m);
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", m);
        Assert.Contains("--data-dir", m);
        Assert.Contains("ERASE_CORE_DATA environment variable", m);
        Assert.DoesNotContain("not attempted", m);

        Assert.Equal([$"downloading {RefusedUrl}"], log); // the first file was tried, and failed
        // No partial or temporary file is left behind.
        Assert.True(!Directory.Exists(cacheRoot) || Directory.GetFiles(cacheRoot, "*", SearchOption.AllDirectories).Length == 0);
    }

    [Fact]
    public void NothingAnywhere_DownloadsDisabled_SaysSoAndTriesNothing()
    {
        var log = new List<string>();
        string cacheRoot = Dir("cache");

        var e = Assert.Throws<DatasetNotFoundException>(() =>
            DataLocator.Locate(FashionMnist.Manifest, Search(cacheRoot: cacheRoot, allowDownload: false, log: log)));

        Assert.Contains("download: not attempted (downloads disabled)", e.Message);
        Assert.DoesNotContain("download into", e.Message);
        Assert.Contains($"data cache: {Path.Combine(cacheRoot, "fashion-mnist")} (no such folder)", e.Message);
        Assert.Contains("dataset-fashion-mnist", e.Message);
        Assert.Contains("--data-dir", e.Message);
        Assert.Empty(log);
        Assert.False(Directory.Exists(cacheRoot));

        // The loader raises the same error.
        var viaLoader = Assert.Throws<DatasetNotFoundException>(() => FashionMnist.LoadFull(Search(cacheRoot: cacheRoot, allowDownload: false)));
        Assert.Contains("not attempted", viaLoader.Message);
    }

    [Fact]
    public void DownloadWithTheWrongChecksum_IsDiscarded_NothingLeftInTheCache()
    {
        var body = Encoding.ASCII.GetBytes("<html>not the dataset</html>");
        using var server = new OneFileServer(body);
        string cacheRoot = Dir("cache");
        var log = new List<string>();

        var e = Assert.Throws<DatasetNotFoundException>(() =>
            DataLocator.Locate(FashionMnist.Manifest, Search(cacheRoot: cacheRoot, log: log) with { UrlOverride = f => server.Url + f.FileName }));

        Assert.Contains($"download into {Path.Combine(cacheRoot, "fashion-mnist")}: failed", e.Message);
        Assert.Contains($"{server.Url}train-images-idx3-ubyte.gz: SHA-256", e.Message);
        Assert.Contains($"does not match the expected {FashionMnist.TrainImages.Sha256}", e.Message);
        Assert.Contains("discarded", e.Message);
        Assert.Equal([$"downloading {server.Url}train-images-idx3-ubyte.gz"], log);
        Assert.True(server.Requests >= 1);
        // Neither the bad file nor its temporary copy remains.
        Assert.Empty(Directory.GetFiles(cacheRoot, "*", SearchOption.AllDirectories));
    }

    // ---- the Debian package ----

    [Fact]
    public void SystemPackage_IsFoundWithTheDefaultSystemFolders()
    {
        // Runs only where the Debian package dataset-fashion-mnist is installed; elsewhere there is
        // nothing to find and the test returns at once (xunit 2 has no runtime skip).
        if (!Directory.Exists(SystemFolder)) return;

        var search = new DataSearch { ExplicitFolder = null, EnvironmentFolder = null, CacheRoot = Dir("cache"), AllowDownload = false };
        Assert.Null(search.SystemFoldersOverride);

        var located = DataLocator.Locate(FashionMnist.Manifest, search);
        Assert.Equal(new LocatedData(SystemFolder, "system package"), located);
        // The packaged files are the official ones or Debian's known re-compressions.
        foreach (var f in FashionMnist.Manifest.Files)
            Assert.NotEqual("unrecognised", f.DescribeChecksum(DataLocator.Sha256Of(located.PathOf(f))));

        var data = FashionMnist.LoadFull(search);
        Assert.Equal(SystemFolder, data.Location);
        Assert.Equal((60000, 10000), (data.Train.Count, data.Test.Count));
        Assert.Equal(Enumerable.Repeat(6000, 10), data.Train.ClassCounts());
        Assert.Equal(Enumerable.Repeat(1000, 10), data.Test.ClassCounts());

        // The published normalisation constants are this train set's statistics, to the 4 decimals given.
        var stats = Normalization.Compute(data.Train);
        Assert.Equal(Normalization.FashionMnist.Mean[0], stats.Mean[0], 0.00006f);
        Assert.Equal(Normalization.FashionMnist.Std[0], stats.Std[0], 0.00006f);
        Assert.False(Directory.Exists(Dir("cache")));
    }

    /// <summary>An HTTP/1.1 server on a free loopback port that answers every request with the same body.</summary>
    sealed class OneFileServer : IDisposable
    {
        readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        readonly byte[] _body;
        readonly Task _loop;
        int _requests;

        public OneFileServer(byte[] body)
        {
            _body = body;
            _listener.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";
            _loop = Task.Run(Serve);
        }

        public string Url { get; }
        public int Requests => Volatile.Read(ref _requests);

        async Task Serve()
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync();
                    using var stream = client.GetStream();
                    var request = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!request.ToString().Contains("\r\n\r\n"))
                    {
                        int n = await stream.ReadAsync(buffer);
                        if (n == 0) break;
                        request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }
                    Interlocked.Increment(ref _requests);
                    var header = Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {_body.Length}\r\nConnection: close\r\n\r\n");
                    await stream.WriteAsync(header);
                    await stream.WriteAsync(_body);
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException or IOException or InvalidOperationException)
            {
                // Stopped.
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        }
    }
}
