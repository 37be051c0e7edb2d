namespace EraseAtCore.Experiments;

/// <summary>The two kinds of array task of a sweep.</summary>
public enum SweepTaskKind
{
    /// <summary>One per preset and seed: the Original and each request's Retrain.</summary>
    Base,
    /// <summary>The other models, dealt by cost.</summary>
    Shard,
}
