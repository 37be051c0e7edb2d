namespace EraseAtCore.Data;

/// <summary>A retain part and a forget part of one image set.</summary>
/// <param name="Retain">Images the unlearned model must keep knowing.</param>
/// <param name="Forget">Images the unlearned model must forget.</param>
public sealed record RetainForget(ImageSet Retain, ImageSet Forget);

/// <summary>
/// The forget request applied to a dataset: retain/forget views of the train set and of the test set.
/// Class-wise: the test forget part is the forget classes' test images (for forget-test accuracy).
/// Sample-wise: forgotten samples are training images only, so the whole test set is "retain".
/// </summary>
public sealed class ForgetSplit
{
    ForgetSplit(Dataset data, ForgetRequest request, RetainForget train, RetainForget test, int[] forgetTrainIndices)
    {
        Data = data; Request = request; Train = train; Test = test; ForgetTrainIndices = forgetTrainIndices;
    }

    /// <summary>The dataset split.</summary>
    public Dataset Data { get; }
    /// <summary>The request this split applies, resolved (drawn or listed classes filled in); checkpoints record it.</summary>
    public ForgetRequest Request { get; }
    /// <summary>Class-wise (whole classes forgotten) rather than sample-wise.</summary>
    public bool IsClassWise => Request.Kind != ForgetKind.Samples;
    /// <summary>The forgotten classes (class-wise; empty for sample-wise).</summary>
    public IReadOnlyList<int> ForgetClasses => Request.Classes;
    /// <summary>The forgotten fraction of the train set (sample-wise; 0 for class-wise).</summary>
    public double Fraction => Request.Fraction;
    /// <summary>Seed of the sample-wise draw.</summary>
    public int Seed => Request.Seed;
    /// <summary>Retain/forget parts of the train set.</summary>
    public RetainForget Train { get; }
    /// <summary>Retain/forget parts of the test set.</summary>
    public RetainForget Test { get; }
    /// <summary>Indices (into the train set) of the forgotten images, ascending.</summary>
    public int[] ForgetTrainIndices { get; }

    /// <summary>The request's description, e.g. "class 3" or "10% of samples (seed 0)" (<see cref="ForgetRequest.ToString"/>).</summary>
    public override string ToString() => Request.ToString();

    /// <summary>This split recorded as made from <paramref name="request"/> (a random or listed request it resolved to).</summary>
    internal ForgetSplit MadeFrom(ForgetRequest request) => new(Data, request, Train, Test, ForgetTrainIndices);

    /// <summary>Forgets every image of the given classes.</summary>
    public static ForgetSplit Classes(Dataset data, params int[] forget)
    {
        if (forget.Length == 0)
            throw new ArgumentException("Name at least one class to forget (e.g. --forget-classes 3).");
        foreach (var c in forget)
            if ((uint)c >= (uint)data.ClassCount)
                throw new ArgumentException($"Class {c} does not exist in {data.Name}: classes are 0..{data.ClassCount - 1} ({string.Join(", ", data.ClassNames.Select((n, i) => $"{i}={n}"))}).");
        var set = forget.Distinct().Order().ToArray();
        if (set.Length >= data.ClassCount)
            throw new ArgumentException($"Forgetting all {data.ClassCount} classes leaves nothing to retain; forget fewer classes.");
        var isForget = new bool[data.ClassCount];
        foreach (var c in set) isForget[c] = true;
        var forgetIdx = data.Train.IndicesWhere(l => isForget[l]);
        if (forgetIdx.Length == 0)
            throw new ArgumentException($"The train set of {data.Name} has no images of classes {string.Join(",", set)}: the forget set would be empty.");
        var train = new RetainForget(data.Train.Subset(data.Train.IndicesWhere(l => !isForget[l])), data.Train.Subset(forgetIdx));
        var test = new RetainForget(data.Test.Subset(data.Test.IndicesWhere(l => !isForget[l])), data.Test.Subset(data.Test.IndicesWhere(l => isForget[l])));
        return new ForgetSplit(data, ForgetRequest.OfClasses(set), train, test, forgetIdx);
    }

    /// <summary>Refuses a sample-wise forget fraction outside (0, 1).</summary>
    public static void CheckFraction(double fraction)
    {
        if (!(fraction > 0 && fraction < 1))
            throw new ArgumentException($"The forget fraction must be strictly between 0 and 1 (e.g. 0.1 for 10%), got {fraction}.");
    }

    /// <summary>Forgets a random, seeded fraction of the training images (at least one).</summary>
    public static ForgetSplit Samples(Dataset data, double fraction, int seed = 0)
    {
        CheckFraction(fraction);
        int n = data.Train.Count;
        int k = (int)Math.Round(fraction * n);
        if (k == 0)
            throw new ArgumentException($"A fraction of {fraction} of {n} training images is no image at all: the forget set would be empty. Use a larger fraction.");
        if (k == n) throw new ArgumentException($"A fraction of {fraction} forgets every training image; use a smaller fraction.");
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        var forgetIdx = order.Take(k).Order().ToArray();
        var isForget = new bool[n];
        foreach (var i in forgetIdx) isForget[i] = true;
        var retainIdx = Enumerable.Range(0, n).Where(i => !isForget[i]).ToArray();
        var train = new RetainForget(data.Train.Subset(retainIdx), data.Train.Subset(forgetIdx));
        var test = new RetainForget(data.Test, data.Test.Subset([]));
        return new ForgetSplit(data, ForgetRequest.OfSamples(fraction, seed), train, test, forgetIdx);
    }
}
