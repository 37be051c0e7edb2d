using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>
/// Shared plumbing of the feature metrics (probes, k-NN, MIA): argument checks with messages that
/// name the offending argument, and accuracies split by class from a prediction vector.
/// </summary>
internal static class MetricInputs
{
    /// <summary>Checks an n x d floating-point matrix with at least one row and one column; returns n.</summary>
    public static long CheckMatrix(Tensor features, string name)
    {
        ArgumentNullException.ThrowIfNull(features, name);
        if (features.dim() != 2)
            throw new ArgumentException($"{name} must be an n x d matrix, got shape [{string.Join(", ", features.shape)}].", name);
        if (!features.is_floating_point())
            throw new ArgumentException($"{name} must be floating point, got {features.dtype}.", name);
        if (features.shape[0] == 0)
            throw new ArgumentException($"{name} has no rows: there is nothing to measure.", name);
        if (features.shape[1] == 0)
            throw new ArgumentException($"{name} has no columns.", name);
        return features.shape[0];
    }

    /// <summary>Checks a 1-D int64 label vector with one label per row of <paramref name="rows"/>.</summary>
    public static void CheckLabels(Tensor labels, long rows, string name, string rowsName)
    {
        ArgumentNullException.ThrowIfNull(labels, name);
        if (labels.dim() != 1)
            throw new ArgumentException($"{name} must be a vector, got shape [{string.Join(", ", labels.shape)}].", name);
        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"{name} must be int64 class indices, got {labels.dtype}.", name);
        if (labels.shape[0] != rows)
            throw new ArgumentException($"{name} has {labels.shape[0]} labels but {rowsName} has {rows} rows.", name);
    }

    /// <summary>
    /// The labels as a CPU array, each checked to lie in [0, <paramref name="classes"/>).
    /// One transfer per call: callers use it once per set, never per batch.
    /// </summary>
    public static long[] LabelArray(Tensor labels, int classes, string name)
    {
        using var cpu = labels.cpu();
        var values = cpu.data<long>().ToArray();
        for (int i = 0; i < values.Length; i++)
            if ((ulong)values[i] >= (ulong)classes)
                throw new ArgumentException($"{name}[{i}] = {values[i]} is outside the classes [0, {classes}).", name);
        return values;
    }

    /// <summary>One more than the largest label of the given vectors (the class count when not told).</summary>
    public static int InferClassCount(params Tensor[] labels)
    {
        long max = -1;
        foreach (var l in labels)
            if (l.shape[0] > 0)
            {
                using var m = l.max();
                max = Math.Max(max, m.cpu().item<long>());
            }
        if (max < 0) throw new ArgumentException("No labels were given: cannot tell the number of classes.");
        return checked((int)max + 1);
    }

    /// <summary>Checks a set of forget classes against the class count; returns it as a membership mask.</summary>
    public static bool[] ForgetMask(IReadOnlyCollection<int>? forgetClasses, int classes, string name)
    {
        var mask = new bool[classes];
        if (forgetClasses is null) return mask;
        foreach (var c in forgetClasses)
        {
            if ((uint)c >= (uint)classes)
                throw new ArgumentException($"Forget class {c} is outside the classes [0, {classes}).", name);
            mask[c] = true;
        }
        return mask;
    }

    /// <summary>
    /// Accuracies of <paramref name="predicted"/> against <paramref name="labels"/>: overall; over the samples
    /// whose true class is a forget class; over the others; and per class. Sample-weighted (not a mean of
    /// per-class accuracies), NaN where a group has no samples.
    /// </summary>
    public static ClassSplitAccuracy Accuracies(long[] predicted, long[] labels, int classes, bool[] isForget)
    {
        var correct = new long[classes];
        var total = new long[classes];
        for (int i = 0; i < labels.Length; i++)
        {
            total[labels[i]]++;
            if (predicted[i] == labels[i]) correct[labels[i]]++;
        }
        long fc = 0, ft = 0, rc = 0, rt = 0;
        for (int c = 0; c < classes; c++)
        {
            if (isForget[c]) { fc += correct[c]; ft += total[c]; }
            else { rc += correct[c]; rt += total[c]; }
        }
        static double Ratio(long a, long b) => b == 0 ? double.NaN : a / (double)b;
        return new ClassSplitAccuracy(
            Ratio(fc + rc, ft + rt), Ratio(fc, ft), Ratio(rc, rt),
            Enumerable.Range(0, classes).Select(c => Ratio(correct[c], total[c])).ToArray());
    }
}

/// <summary>Accuracies split by class membership (see <see cref="MetricInputs.Accuracies"/>).</summary>
internal readonly record struct ClassSplitAccuracy(double Overall, double Forget, double Retain, double[] PerClass);
