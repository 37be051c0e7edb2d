namespace EraseAtCore.Experiments;

/// <summary>
/// One run at a time per output folder: an exclusive lock on <c>.lock</c> in the folder, held while the run writes, with
/// the holder's process id and start time in <c>.lock.owner</c> for the message a second run gets. The operating system
/// drops the lock when its process ends, however it ends (a <c>kill -9</c> leaves no stale lock behind).
/// </summary>
public sealed class RunFolderLock : IDisposable
{
    readonly FileStream _lock;

    RunFolderLock(FileStream stream) => _lock = stream;

    /// <summary>Takes the lock of <paramref name="folder"/> (created if missing) or fails at once, naming the holder.</summary>
    /// <exception cref="RunFolderBusyException">Another process holds it.</exception>
    public static RunFolderLock Take(RunFolder folder)
    {
        Directory.CreateDirectory(folder.Root);
        string path = folder.File(".lock"), owner = folder.File(".lock.owner");
        FileStream stream;
        try { stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        // Held elsewhere: .NET's flock on Unix fails with EWOULDBLOCK (11 on Linux, 35 on macOS); Windows says ERROR_SHARING_VIOLATION (32).
        catch (IOException e) when (e.HResult is 11 or 35 || (e.HResult & 0xFFFF) == 32)
        {
            string who = File.Exists(owner) ? File.ReadAllText(owner).Trim() : "another process";
            throw new RunFolderBusyException($"{folder.Root} is in use by another erase-core run ({who}). Wait for it to finish, or write to another folder (--out).", e);
        }
        AtomicFile.WriteAllText(owner, $"pid {Environment.ProcessId}, started {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
        return new RunFolderLock(stream);
    }

    /// <summary>
    /// Fails now when another process holds <paramref name="folder"/>, so a command can refuse before it prints or loads anything;
    /// the run takes the lock itself when it starts (a second start in between is still refused then).
    /// </summary>
    public static void ThrowIfBusy(RunFolder folder)
    {
        using (Take(folder)) { }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _lock.Dispose();
}

/// <summary>Another process is running into the same output folder.</summary>
public sealed class RunFolderBusyException(string message, Exception? inner = null) : IOException(message, inner);
