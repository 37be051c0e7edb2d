using EraseAtCore.Data;
using EraseAtCore.Models;
using static TorchSharp.torch;

namespace EraseAtCore.Metrics;

/// <summary>
/// Logit-level forgetting measures (SalUn / UUEF convention), accuracies as fractions in [0, 1]:
/// UA = accuracy on the forget set (train split; lower is better, target = Retrain's),
/// RA = accuracy on the retain set (train split), TA = test accuracy on the retain part of the test set,
/// forget-test = test accuracy on the forgotten classes (class-wise; NaN for sample-wise forgetting).
/// </summary>
/// <param name="UA">Unlearning accuracy: accuracy on the forget training images.</param>
/// <param name="RA">Remaining accuracy: accuracy on the retain training images.</param>
/// <param name="TA">Test accuracy on retain-class (class-wise) or all (sample-wise) test images.</param>
/// <param name="ForgetTest">Test accuracy on the forgotten classes' test images (NaN if none).</param>
/// <param name="PerClassTest">Test accuracy of each class (NaN for a class absent from the test set).</param>
public sealed record LogitMetrics(double UA, double RA, double TA, double ForgetTest, IReadOnlyList<double> PerClassTest)
{
    /// <summary>Measures a model on a forget split.</summary>
    public static LogitMetrics Measure(StagedModel model, ForgetSplit split, Feed feed, int batchSize = 256) =>
        new(Evaluate.Accuracy(model, split.Train.Forget, feed, batchSize),
            Evaluate.Accuracy(model, split.Train.Retain, feed, batchSize),
            Evaluate.Accuracy(model, split.Test.Retain, feed, batchSize),
            Evaluate.Accuracy(model, split.Test.Forget, feed, batchSize),
            Evaluate.PerClassAccuracy(model, split.Data.Test, feed, batchSize));
}
