using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Unlearning;

/// <summary>
/// One small Original shared by every unlearning test (baselines and EC): ResNet-18 w=8 trained on 400
/// embedded images (40 per class) until it fits them, forget class 3. Built once per test run (a few
/// seconds); each test unlearns from it and checks the intended direction.
/// </summary>
public sealed class SmallOriginal
{
    static readonly Lazy<SmallOriginal> Lazy = new(() => new SmallOriginal());

    /// <summary>The shared instance (trained on first use).</summary>
    public static SmallOriginal Instance => Lazy.Value;

    SmallOriginal()
    {
        TorchRuntime.EnsureLoaded();
        var data = FashionMnist.Load();
        var small = data with { Train = MiniSubset.Stratified(data.Train, 40, seed: 0), Test = MiniSubset.Stratified(data.Test, 20, seed: 0) };
        Split = ForgetSplit.Classes(small, 3);
        Seeding.Seed(0);
        Model = ResNet.ResNet18(1, 10, 8);
        Trainer.Fit(Model, small.Train, null, new Feed(Normalization.FashionMnist, CPU), new TrainConfig { Epochs = 12, BatchSize = 40, LearningRate = 0.05, Augment = null });
        Model.eval();
        // Fail loudly, not as a method bug, if training itself broke (non-finite weights).
        foreach (var (name, p) in Model.named_parameters())
            if (!p.isfinite().all().item<bool>())
                throw new InvalidOperationException($"training the test Original produced non-finite '{name}' (a native-kernel problem, not an unlearning one)");
        State = Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        (ForgetAccuracy, RetainAccuracy) = Measure(Model);
    }

    /// <summary>The trained Original (never modified by the tests).</summary>
    public StagedModel Model { get; }
    /// <summary>Class 3 forgotten.</summary>
    public ForgetSplit Split { get; }
    /// <summary>The Original's accuracy on the forget-train set.</summary>
    public double ForgetAccuracy { get; }
    /// <summary>The Original's accuracy on the retain-train set.</summary>
    public double RetainAccuracy { get; }
    /// <summary>A copy of the Original's state, to prove it never changes.</summary>
    public Dictionary<string, Tensor> State { get; }

    /// <summary>Forget-train and retain-train accuracy of <paramref name="m"/>.</summary>
    public (double Forget, double Retain) Measure(StagedModel m) =>
        (Evaluate.Accuracy(m, Split.Train.Forget, new Feed(Normalization.FashionMnist, CPU)), Evaluate.Accuracy(m, Split.Train.Retain, new Feed(Normalization.FashionMnist, CPU)));

    /// <summary>The context of an unlearning run from this Original.</summary>
    public UnlearnContext Context(UnlearnConfig config) => new(Model, Split, new Feed(Normalization.FashionMnist, CPU), config);

    /// <summary>Runs <paramref name="method"/> from this Original.</summary>
    public UnlearnResult Run(IUnlearningMethod method, UnlearnConfig config) => method.Unlearn(Context(config));
}
