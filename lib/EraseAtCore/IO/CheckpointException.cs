namespace EraseAtCore;

// In the root namespace, beside SignedFile which throws it: the kit's model files (checkpoints, EC modules) share the container.
/// <summary>A checkpoint is missing, corrupt, or does not match what was asked for.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public CheckpointException(string message, Exception? inner = null) : base(message, inner) { }
}
