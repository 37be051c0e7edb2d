namespace EraseAtCore.Data;

/// <summary>
/// A data file is missing, truncated or not in the expected format. The message names the file,
/// what was expected, what was found, and what to do.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public DataFormatException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A dataset could not be found anywhere it was looked for; the message lists every place tried
/// and how to fix it.
/// </summary>
public sealed class DatasetNotFoundException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public DatasetNotFoundException(string message) : base(message) { }
}
