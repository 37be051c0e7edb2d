using static TorchSharp.torch;

namespace EraseAtCore.Data;

/// <summary>
/// How images reach a model: normalised as the model was trained, on the device it runs on. Every function that
/// pushes images through a model takes one. How many go per batch belongs to what is done (a recipe's batch size,
/// an evaluation's), so it is not part of it.
/// </summary>
/// <param name="Normalize">The input normalisation the model was trained with (e.g. <c>preset.Normalize</c>).</param>
/// <param name="Device">Where the model runs.</param>
public sealed record Feed(Normalization Normalize, Device Device);
