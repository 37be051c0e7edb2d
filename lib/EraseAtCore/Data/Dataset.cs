namespace EraseAtCore.Data;

/// <summary>A dataset with its train and test sets, class names and where it was read from.</summary>
/// <param name="Name">Short name, e.g. "fashion-mnist-mini", "cifar100".</param>
/// <param name="ClassNames">Human-readable class names, index = label.</param>
/// <param name="Train">The training images.</param>
/// <param name="Test">The test images.</param>
/// <param name="Location">The folder or files it was read from (for reports and errors).</param>
public sealed record Dataset(string Name, IReadOnlyList<string> ClassNames, ImageSet Train, ImageSet Test, string Location)
{
    /// <summary>Number of classes.</summary>
    public int ClassCount => ClassNames.Count;
}
