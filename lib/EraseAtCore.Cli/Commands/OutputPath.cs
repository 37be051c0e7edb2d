using EraseAtCore.Experiments;

namespace EraseAtCore.Cli.Commands;

/// <summary>Checks an output path before any work starts, so a long run never fails at its last step.</summary>
static class OutputPath
{
    /// <summary>
    /// Fails with a message naming <paramref name="option"/> when <paramref name="path"/> is a folder or its
    /// folder cannot be created or written to. Creates the folder.
    /// </summary>
    public static void CheckWritable(string path, string option)
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{option} {path} is a folder; give a file path.");
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".erase-core-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option} {path}: cannot write to {folder} ({e.Message}). Choose a writable location.", e);
        }
    }

    /// <summary>
    /// For a run's output folder (reproduce, study): writable, and not in use by another run, said before anything prints
    /// (the run takes the lock itself when it starts).
    /// </summary>
    public static void CheckRunFolder(string path, string option)
    {
        CheckWritableFolder(path, option);
        RunFolderLock.ThrowIfBusy(new RunFolder(path));
    }

    /// <summary>Like <see cref="CheckWritable"/> for an output folder: fails when <paramref name="path"/> is a file or cannot be created or written to.</summary>
    public static void CheckWritableFolder(string path, string option)
    {
        if (File.Exists(path)) throw new ArgumentException($"{option} {path} is a file; give a folder.");
        CheckWritable(Path.Combine(path, "probe"), option);
    }
}
