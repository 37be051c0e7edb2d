using EraseAtCore.Data;

namespace EraseAtCore.Tests.Data;

/// <summary>
/// Class-wise and sample-wise forget splits on a small synthetic dataset whose labels are known, so
/// every count and index is computed here rather than copied from a run.
/// </summary>
public sealed class ForgetSplitTests
{
    const int Classes = 5;
    const int TrainCount = 50, TestCount = 20;
    static readonly string[] Names = ["zero", "one", "two", "three", "four"];

    // Labels follow a fixed, uneven pattern so that per-class counts differ: class c appears
    // TrainPerClass[c] times in the train set.
    static int TrainLabel(int i) => (i * 7 + i / 3) % Classes;
    static int TestLabel(int i) => (i * 3 + 1) % Classes;

    /// <summary>2x2 single-channel images whose first byte is the image index: a moved image is recognisable.</summary>
    static ImageSet MakeSet(int count, Func<int, int> label)
    {
        var pixels = new byte[count * 4];
        for (int i = 0; i < count; i++)
        {
            pixels[i * 4] = (byte)i;
            pixels[i * 4 + 1] = (byte)(label(i) * 10);
            pixels[i * 4 + 2] = 7;
            pixels[i * 4 + 3] = (byte)(255 - i);
        }
        return new ImageSet(pixels, Enumerable.Range(0, count).Select(label).ToArray(), 1, 2, 2, Classes);
    }

    static Dataset MakeData() => new("synthetic", Names, MakeSet(TrainCount, TrainLabel), MakeSet(TestCount, TestLabel), "memory");

    /// <summary>The original index of each image of a subset (stored in its first pixel).</summary>
    static int[] Ids(ImageSet set) => Enumerable.Range(0, set.Count).Select(i => (int)set.Pixels[i * 4]).ToArray();

    static int[] IndicesOf(int count, Func<int, int> label, Func<int, bool> keep) =>
        Enumerable.Range(0, count).Where(i => keep(label(i))).ToArray();

    // ---- class-wise ----

    [Fact]
    public void OneClass_ForgetsExactlyThatClass_InTrainAndTest()
    {
        var data = MakeData();
        var split = ForgetSplit.Classes(data, 3);

        var forgetTrain = IndicesOf(TrainCount, TrainLabel, l => l == 3);
        var retainTrain = IndicesOf(TrainCount, TrainLabel, l => l != 3);
        var forgetTest = IndicesOf(TestCount, TestLabel, l => l == 3);
        var retainTest = IndicesOf(TestCount, TestLabel, l => l != 3);
        Assert.NotEmpty(forgetTrain);
        Assert.NotEmpty(forgetTest);

        Assert.Equal(ForgetKind.Classes, split.Request.Kind);
        Assert.Equal([3], split.ForgetClasses);
        Assert.Equal(0, split.Fraction);
        Assert.Same(data, split.Data);
        Assert.Equal(forgetTrain, split.ForgetTrainIndices);
        Assert.Equal(forgetTrain, Ids(split.Train.Forget));
        Assert.Equal(retainTrain, Ids(split.Train.Retain));
        Assert.Equal(forgetTest, Ids(split.Test.Forget));
        Assert.Equal(retainTest, Ids(split.Test.Retain));
        Assert.Equal((retainTrain.Length, forgetTrain.Length), (split.Train.Retain.Count, split.Train.Forget.Count));
        Assert.Equal(TrainCount, split.Train.Retain.Count + split.Train.Forget.Count);
        Assert.Equal(TestCount, split.Test.Retain.Count + split.Test.Forget.Count);

        Assert.DoesNotContain(3, split.Train.Retain.Labels);
        Assert.DoesNotContain(3, split.Test.Retain.Labels);
        Assert.All(split.Train.Forget.Labels, l => Assert.Equal(3, l));
        Assert.All(split.Test.Forget.Labels, l => Assert.Equal(3, l));
        // Pixels travel with their labels.
        Assert.All(Enumerable.Range(0, split.Train.Retain.Count),
            i => Assert.Equal(split.Train.Retain.Labels[i] * 10, split.Train.Retain.Pixels[i * 4 + 1]));
        Assert.Equal("class 3", split.ToString());
        // The subsets keep the dataset's class count (for the model's output size).
        Assert.Equal(Classes, split.Train.Retain.ClassCount);
    }

    [Fact]
    public void SeveralClasses_AreSortedAndDeduplicated_AndAllForgotten()
    {
        var data = MakeData();
        var split = ForgetSplit.Classes(data, 4, 0, 4);

        bool Forgotten(int l) => l is 0 or 4;
        Assert.Equal([0, 4], split.ForgetClasses);
        Assert.Equal(IndicesOf(TrainCount, TrainLabel, Forgotten), split.ForgetTrainIndices);
        Assert.Equal(IndicesOf(TrainCount, TrainLabel, Forgotten), Ids(split.Train.Forget));
        Assert.Equal(IndicesOf(TrainCount, TrainLabel, l => !Forgotten(l)), Ids(split.Train.Retain));
        Assert.Equal(IndicesOf(TestCount, TestLabel, Forgotten), Ids(split.Test.Forget));
        Assert.Equal(IndicesOf(TestCount, TestLabel, l => !Forgotten(l)), Ids(split.Test.Retain));
        Assert.Equal(data.Train.ClassCounts()[0] + data.Train.ClassCounts()[4], split.Train.Forget.Count);
        Assert.DoesNotContain(split.Train.Retain.Labels, Forgotten);
        Assert.DoesNotContain(split.Test.Retain.Labels, Forgotten);
        Assert.Equal(new[] { 0, 4 }, split.Train.Forget.Labels.Distinct().Order());
        Assert.Equal(new[] { 1, 2, 3 }, split.Train.Retain.Labels.Distinct().Order());
        Assert.Equal("classes 0, 4", split.ToString());
    }

    [Fact]
    public void Classes_NoClasses_IsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => ForgetSplit.Classes(MakeData()));
        Assert.Contains("at least one class", e.Message);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(-1)]
    [InlineData(100)]
    public void Classes_UnknownClass_IsAnErrorListingTheValidOnes(int bad)
    {
        var e = Assert.Throws<ArgumentException>(() => ForgetSplit.Classes(MakeData(), 1, bad));
        Assert.Contains($"Class {bad} does not exist in synthetic", e.Message);
        Assert.Contains("0..4", e.Message);
        Assert.Contains("0=zero, 1=one, 2=two, 3=three, 4=four", e.Message);
    }

    [Fact]
    public void Classes_ForgettingEveryClass_IsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => ForgetSplit.Classes(MakeData(), 0, 1, 2, 3, 4));
        Assert.Contains("all 5 classes", e.Message);
        // Duplicates do not hide it, and do not trigger it either.
        Assert.Throws<ArgumentException>(() => ForgetSplit.Classes(MakeData(), 4, 3, 2, 1, 0, 0));
        Assert.Equal([1, 2, 3, 4], ForgetSplit.Classes(MakeData(), 4, 3, 2, 1, 1).ForgetClasses);
    }

    [Fact]
    public void Classes_ClassWithoutTrainImages_IsAnError()
    {
        // Class 4 exists in the dataset but has no training image here.
        var train = MakeSet(12, i => i % 4);
        var data = new Dataset("sparse", Names, train, MakeSet(5, i => i), "memory");
        var e = Assert.Throws<ArgumentException>(() => ForgetSplit.Classes(data, 4));
        Assert.Contains("no images of classes 4", e.Message);
    }

    // ---- sample-wise ----

    [Theory]
    [InlineData(0.1, 5)]
    [InlineData(0.3, 15)]
    [InlineData(0.5, 25)]
    [InlineData(0.02, 1)]
    [InlineData(0.96, 48)]
    public void Samples_ForgetsRoundedFraction_AndPartitionsTheTrainSet(double fraction, int expected)
    {
        var data = MakeData();
        var split = ForgetSplit.Samples(data, fraction, seed: 7);

        Assert.Equal(ForgetKind.Samples, split.Request.Kind);
        Assert.Empty(split.ForgetClasses);
        Assert.Equal(fraction, split.Fraction);
        Assert.Equal(7, split.Seed);
        Assert.Equal(expected, split.ForgetTrainIndices.Length);
        Assert.Equal(expected, split.Train.Forget.Count);
        Assert.Equal(TrainCount - expected, split.Train.Retain.Count);

        // Ascending, distinct, in range; and the subsets hold exactly those images.
        Assert.Equal(split.ForgetTrainIndices.Order(), split.ForgetTrainIndices);
        Assert.Equal(expected, split.ForgetTrainIndices.Distinct().Count());
        Assert.All(split.ForgetTrainIndices, i => Assert.InRange(i, 0, TrainCount - 1));
        Assert.Equal(split.ForgetTrainIndices, Ids(split.Train.Forget));
        var retain = Ids(split.Train.Retain);
        Assert.Equal(retain.Order(), retain);
        Assert.Empty(retain.Intersect(split.ForgetTrainIndices));
        Assert.Equal(Enumerable.Range(0, TrainCount), retain.Concat(split.ForgetTrainIndices).Order());
        Assert.Equal(split.ForgetTrainIndices.Select(TrainLabel), split.Train.Forget.Labels);

        // The test set is all "retain".
        Assert.Equal(0, split.Test.Forget.Count);
        Assert.Equal(Enumerable.Range(0, TestCount), Ids(split.Test.Retain));
        Assert.Equal(data.Test.Labels, split.Test.Retain.Labels);
    }

    [Fact]
    public void Samples_SameSeedSameDraw_OtherSeedOtherDraw()
    {
        var data = MakeData();
        var a = ForgetSplit.Samples(data, 0.2, seed: 0);
        var b = ForgetSplit.Samples(data, 0.2, seed: 0);
        var c = ForgetSplit.Samples(data, 0.2, seed: 1);

        Assert.Equal(a.ForgetTrainIndices, b.ForgetTrainIndices);
        Assert.Equal(a.Train.Retain.Pixels, b.Train.Retain.Pixels);
        Assert.Equal(10, c.ForgetTrainIndices.Length);
        Assert.NotEqual(a.ForgetTrainIndices, c.ForgetTrainIndices);
        // A real draw, not the first k images.
        Assert.NotEqual(Enumerable.Range(0, 10), a.ForgetTrainIndices);
        Assert.Equal("20% of samples (seed 1)", c.ToString().Replace(" %", "%"));
    }

    [Fact]
    public void Samples_DrawIsTheSameInEveryProcess()
    {
        // Seeded System.Random is specified to give the same sequence everywhere, so a draw made today
        // must be the draw made tomorrow. Computed here the same documented way: shuffle 0..n-1, take k.
        var data = MakeData();
        var order = Enumerable.Range(0, TrainCount).ToArray();
        new Random(3).Shuffle(order);
        Assert.Equal(order.Take(10).Order(), ForgetSplit.Samples(data, 0.2, seed: 3).ForgetTrainIndices);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Samples_FractionOutsideZeroOne_IsAnError(double fraction)
    {
        var e = Assert.Throws<ArgumentException>(() => ForgetSplit.Samples(MakeData(), fraction));
        Assert.Contains("strictly between 0 and 1", e.Message);
        Assert.Contains($"got {fraction}", e.Message);
    }

    [Fact]
    public void Samples_FractionTooSmallForTheSet_IsAnError()
    {
        // 0.005 * 50 = 0.25 images: rounds to none.
        var e = Assert.Throws<ArgumentException>(() => ForgetSplit.Samples(MakeData(), 0.005));
        Assert.Contains("the forget set would be empty", e.Message);
        Assert.Contains("50 training images", e.Message);
    }

    [Fact]
    public void Samples_FractionThatRoundsToEverything_IsAnError()
    {
        // 0.995 * 50 = 49.75 images: rounds to all 50, leaving nothing to retain.
        var e = Assert.Throws<ArgumentException>(() => ForgetSplit.Samples(MakeData(), 0.995));
        Assert.Contains("forgets every training image", e.Message);
    }
}
