namespace EraseAtCore.Ec;

/// <summary>How long and how the heads warm up.</summary>
/// <param name="Steps">SGD steps (0: none).</param>
/// <param name="LearningRate">Constant learning rate.</param>
/// <param name="BatchSize">Retain images per step.</param>
/// <param name="Seed">Seed of the shuffling.</param>
public sealed record HeadWarmupSettings(int Steps, double LearningRate, int BatchSize, int Seed);
