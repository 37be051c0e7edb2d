using static TorchSharp.torch;

namespace EraseAtCore.Models;

/// <summary>How a stage's output becomes one feature vector per image.</summary>
public enum FeatureForm
{
    /// <summary>Global average: N x C x H x W to N x C (CNN); N x T x D to N x D, mean over tokens (ViT).</summary>
    Pooled,
    /// <summary>Everything: N x (C*H*W) or N x (T*D). Large: layer1 of a w=16 ResNet on 28x28 is 12544 values per image.</summary>
    Flattened,
}

/// <summary>
/// Stage outputs as one vector per image. Here, below the metrics and the unlearning methods, because both use it: the
/// metrics read the representation the losses act on.
/// </summary>
public static class StageReduction
{
    /// <summary>Reduces one stage output to N x d: what the metrics read and what EC's and CU's contrastive losses pull apart.</summary>
    public static Tensor Reduce(Tensor stageOutput, FeatureForm form) => form switch
    {
        FeatureForm.Flattened => stageOutput.flatten(1),
        _ => stageOutput.dim() switch
        {
            4 => stageOutput.mean([2, 3]),   // N x C x H x W: global average pooling
            3 => stageOutput.mean([1]),      // N x T x D: mean over tokens
            2 => stageOutput.alias(),
            _ => throw new ArgumentException($"Cannot pool a stage output of {stageOutput.dim()} dimensions."),
        },
    };
}
