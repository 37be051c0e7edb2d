using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Ec;

/// <summary>How <see cref="EcModules.Train"/> trains the heads.</summary>
public sealed record EcModulesOptions
{
    /// <summary>Stages that get a head; null: those EC's default options put heads on (every stage but the last, which uses the model's own classifier).</summary>
    public IReadOnlyList<string>? Stages { get; init; }
    /// <summary>Embedding size of the heads' contrastive projection (EC's <see cref="EcOptions.EmbeddingDim"/>).</summary>
    public int EmbeddingDim { get; init; } = new EcOptions().EmbeddingDim;
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 1;
    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>SGD learning rate (momentum 0.9, constant).</summary>
    public double LearningRate { get; init; } = new EcOptions().WarmupLearningRate;
    /// <summary>Seed of the shuffling.</summary>
    public int Seed { get; init; }
}

/// <summary>What an EC-modules file says about its heads.</summary>
public sealed record EcModulesInfo
{
    /// <summary>Format tag.</summary>
    [JsonPropertyName("format")] public string Format { get; init; } = EcModules.FormatTag;
    /// <summary>The Original's architecture.</summary>
    [JsonPropertyName("model")] public required ModelSpec Model { get; init; }
    /// <summary>SHA-256 of the Original's weights (<see cref="EcModules.Fingerprint"/>): the heads fit that model only.</summary>
    [JsonPropertyName("original_sha256")] public required string OriginalSha256 { get; init; }
    /// <summary>Stages with a head.</summary>
    [JsonPropertyName("stages")] public required IReadOnlyList<string> Stages { get; init; }
    /// <summary>Embedding size.</summary>
    [JsonPropertyName("embedding_dim")] public int EmbeddingDim { get; init; }
    /// <summary>How they were trained.</summary>
    [JsonPropertyName("options")] public required EcModulesOptions Options { get; init; }
    /// <summary>Training images seen per epoch.</summary>
    [JsonPropertyName("train_images")] public int TrainImages { get; init; }
    /// <summary>Mean per-head cross-entropy over the last 10 steps.</summary>
    [JsonPropertyName("final_loss")] public double FinalLoss { get; init; }
    /// <summary>Version of EraseAtCore that wrote the file.</summary>
    [JsonPropertyName("library_version")] public string LibraryVersion { get; init; } = Checkpoint.LibraryVersion;
    /// <summary>When the file was written (UTC).</summary>
    [JsonPropertyName("created_utc")] public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>
/// EC's auxiliary heads trained once per Original, as the authors' card ships them ("EC modules", one file per
/// Original shared by its forget requests): deep supervision of every head on the whole training set with the
/// backbone frozen, independent of what will be forgotten. EC and every X+EC take them with the option
/// <c>modules=PATH</c> instead of warming fresh heads up on the retain set at each run. The file is a
/// <see cref="SignedFile"/> ("EACECM01") that records the Original's weight fingerprint, so heads are never
/// used with another model.
/// </summary>
public static class EcModules
{
    /// <summary>The format tag in the metadata.</summary>
    public const string FormatTag = "erase-core-ec-modules/1";
    static readonly byte[] Magic = "EACECM01"u8.ToArray();
    const string What = "EraseAtCore EC-modules file";

    /// <summary>
    /// Checks <paramref name="options"/> against <paramref name="original"/> before any work (stage names, numbers) and returns the
    /// stages that get a head.
    /// </summary>
    /// <exception cref="ArgumentException">The first problem, naming what is allowed.</exception>
    public static IReadOnlyList<string> Check(StagedModel original, EcModulesOptions options)
    {
        var stages = options.Stages ?? EcParts.SupervisionPoints(original, new EcOptions()).HeadStages;
        if (stages.Count == 0) throw new ArgumentException($"{original.Spec.Describe()} has one stage: there is no head to train.");
        if (stages.FirstOrDefault(s => !original.StageNames.Contains(s)) is { } unknown)
            throw new ArgumentException($"--stages {unknown}: {original.Spec.Describe()} has stages {string.Join(", ", original.StageNames)}.");
        if (options.Epochs < 1 || options.BatchSize < 1 || !(options.LearningRate > 0))
            throw new ArgumentException($"EC modules need epochs >= 1, batch size >= 1 and a positive learning rate; got {options.Epochs}, {options.BatchSize}, {options.LearningRate}.");
        return stages;
    }

    /// <summary>
    /// Trains heads for <paramref name="original"/> on <paramref name="train"/> (the Original is only read), seeding torch
    /// with <see cref="EcModulesOptions.Seed"/> first, so the same options give the same heads.
    /// </summary>
    public static (AuxiliaryHeads Heads, EcModulesInfo Info) Train(StagedModel original, ImageSet train, Feed feed, EcModulesOptions options)
    {
        var stages = Check(original, options);
        Runtime.Seeding.Seed(options.Seed);
        AuxiliaryHeads heads;
        using (var scope = NewDisposeScope())
        {
            var sample = new BatchLoader(train, new BatchOptions(2, Normalize: feed.Normalize), feed.Device).Epoch().First();
            heads = AuxiliaryHeads.Create(original, sample.Images, stages, options.EmbeddingDim);
        }
        heads.to(feed.Device);
        int steps = options.Epochs * Math.Max(1, train.Count / options.BatchSize);
        double loss = HeadWarmup.Run(original, heads, train, feed, new HeadWarmupSettings(steps, options.LearningRate, options.BatchSize, options.Seed));
        heads.eval();
        return (heads, new EcModulesInfo
        {
            Model = original.Spec, OriginalSha256 = Fingerprint(original), Stages = heads.Stages, EmbeddingDim = options.EmbeddingDim,
            Options = options with { Stages = heads.Stages }, TrainImages = train.Count, FinalLoss = loss,
        });
    }

    /// <summary><see cref="Train"/>, then <see cref="Save"/> to <paramref name="path"/>; the heads are freed afterwards.</summary>
    public static EcModulesInfo TrainToFile(string path, StagedModel original, ImageSet train, Feed feed, EcModulesOptions options)
    {
        var (heads, info) = Train(original, train, feed, options);
        using (heads)
        {
            heads.to(DeviceType.CPU);
            Save(path, heads, info);
        }
        return info;
    }

    /// <summary>Writes <paramref name="heads"/> and <paramref name="info"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, AuxiliaryHeads heads, EcModulesInfo info)
    {
        using var weights = new MemoryStream();
        using (var writer = new BinaryWriter(weights, Encoding.UTF8, leaveOpen: true)) heads.save(writer);
        SignedFile.Write(path, Magic, JsonSerializer.SerializeToUtf8Bytes(info, Checkpoint.Json), weights);
    }

    /// <summary>Reads only the metadata (after verifying the whole file).</summary>
    public static EcModulesInfo ReadInfo(string path) => Read(path).Info;

    /// <summary>
    /// Fills <paramref name="heads"/> (built for <paramref name="original"/>) from <paramref name="path"/>, after checking
    /// that the file was trained on this very Original and has heads at exactly these stages with this embedding size.
    /// </summary>
    /// <exception cref="CheckpointException">Unreadable, or made for another model or other stages (the message says which and what to do).</exception>
    public static EcModulesInfo LoadInto(string path, AuxiliaryHeads heads, StagedModel original, int embeddingDim)
    {
        var (info, weights) = Read(path);
        if (info.Model != original.Spec)
            throw new CheckpointException($"{path} holds EC modules of a {info.Model.Describe()}, but the Original is a {original.Spec.Describe()}. Train modules for it: erase-core ec-modules --from ORIGINAL.");
        if (!info.Stages.SequenceEqual(heads.Stages) || info.EmbeddingDim != embeddingDim)
            throw new CheckpointException($"{path} has heads at {string.Join(", ", info.Stages)} (embedding {info.EmbeddingDim}); this EC run needs heads at " +
                $"{string.Join(", ", heads.Stages)} (embedding {embeddingDim}). Train matching modules (erase-core ec-modules --stages ... --embedding-dim ...) or change EC's points.");
        string fingerprint = Fingerprint(original);
        if (info.OriginalSha256 != fingerprint)
            throw new CheckpointException($"{path} was trained on another Original (weights fingerprint {info.OriginalSha256[..12]}…, this one {fingerprint[..12]}…). " +
                "Heads only fit the features they were trained on: train modules for this Original with erase-core ec-modules --from ORIGINAL.");
        try
        {
            using var reader = new BinaryReader(new MemoryStream(weights));
            heads.load(reader, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            throw new CheckpointException($"{path}: the heads' weights do not fit ({e.Message}). The file was written by another version or edited.", e);
        }
        return info;
    }

    /// <summary>SHA-256 (hex) of a model's state dict: every name and every value's bytes, in name order.</summary>
    public static string Fingerprint(StagedModel model)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in model.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            using var scope = NewDisposeScope();   // every intermediate copy, not only the last
            hash.AppendData(tensor.detach().cpu().contiguous().bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    static (EcModulesInfo Info, byte[] Weights) Read(string path)
    {
        const string remedy = "train it again with erase-core ec-modules";
        var (json, weights) = SignedFile.Read(path, Magic, What, remedy);
        EcModulesInfo? info;
        try { info = JsonSerializer.Deserialize<EcModulesInfo>(json, Checkpoint.Json); }
        catch (JsonException e) { throw new CheckpointException($"{path}: not a readable {What} (unreadable metadata: {e.Message}). {remedy}.", e); }
        if (info is null || info.Format != FormatTag)
            throw new CheckpointException($"{path}: EC-modules format '{info?.Format}' is not {FormatTag}; it was written by another version of EraseAtCore.");
        return (info, weights);
    }
}
