namespace EraseAtCore.Cli.Slurm;

/// <summary>When the merge job runs: after every shard succeeded, or after all ended however (it then names the unfinished ones).</summary>
enum MergeAfter
{
    /// <summary>afterany: the merge runs in any case; an incomplete sweep gets its report of what is missing.</summary>
    Any,
    /// <summary>afterok: the merge runs only when every shard succeeded.</summary>
    Ok,
}
