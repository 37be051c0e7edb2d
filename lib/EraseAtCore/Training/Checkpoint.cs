using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EraseAtCore.Data;
using EraseAtCore.Models;
using TorchSharp;

namespace EraseAtCore.Training;

/// <summary>What a checkpoint says about its model, besides the weights.</summary>
public sealed record CheckpointInfo
{
    /// <summary>Format tag, so future versions can read old files.</summary>
    [JsonPropertyName("format")] public string Format { get; init; } = Checkpoint.FormatTag;
    /// <summary>Architecture and options: the model is rebuilt from this.</summary>
    [JsonPropertyName("model")] public required ModelSpec Model { get; init; }
    /// <summary>Role of the model: "original", "retrain", or the unlearning method's name.</summary>
    [JsonPropertyName("role")] public string Role { get; init; } = "original";
    /// <summary>Dataset name, e.g. fashion-mnist-mini.</summary>
    [JsonPropertyName("dataset")] public required string Dataset { get; init; }
    /// <summary>Class names of the dataset.</summary>
    [JsonPropertyName("class_names")] public IReadOnlyList<string> ClassNames { get; init; } = [];
    /// <summary>
    /// The forget request, resolved (retrain and unlearned models), else null. Files written before the request had
    /// one type hold kind "classes" or "samples" with classes, fraction and seed, and read as such requests.
    /// </summary>
    [JsonPropertyName("split")] public ForgetRequest? Split { get; init; }
    /// <summary>Seed of the run that made the model.</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>The training recipe (trained models), else null.</summary>
    [JsonPropertyName("recipe")] public TrainConfig? Recipe { get; init; }
    /// <summary>Accuracies measured when the model was saved (fractions in [0, 1]), e.g. "test".</summary>
    [JsonPropertyName("metrics")] public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    /// <summary>Why unlearning stopped early (the divergence guard's message), else null.</summary>
    [JsonPropertyName("stop_reason")] public string? StopReason { get; init; }
    /// <summary>
    /// The experiment runner's cache key of the settings that made this model (null outside a run): stored in the file, so
    /// the model counts as finished exactly when its checkpoint exists, with nothing else to write after it.
    /// </summary>
    [JsonPropertyName("cache_key")] public string? CacheKey { get; init; }
    /// <summary>Version of EraseAtCore that wrote the file.</summary>
    [JsonPropertyName("library_version")] public string LibraryVersion { get; init; } = Checkpoint.LibraryVersion;
    /// <summary>When the file was written (UTC).</summary>
    [JsonPropertyName("created_utc")] public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>A model loaded from a checkpoint, with its metadata.</summary>
/// <param name="Model">The model, on the CPU, in eval mode.</param>
/// <param name="Info">Its metadata.</param>
public sealed record LoadedCheckpoint(StagedModel Model, CheckpointInfo Info);

/// <summary>
/// Saves and loads models with their metadata in one file: a <see cref="SignedFile"/> with the marker
/// "EACKPT01", the metadata as JSON and the weights in TorchSharp's format. Written atomically; a
/// truncated or altered file is detected by the checksum before anything is parsed.
/// </summary>
public static class Checkpoint
{
    /// <summary>The format tag in the metadata.</summary>
    public const string FormatTag = "erase-core-checkpoint/1";
    static readonly byte[] Magic = "EACKPT01"u8.ToArray();

    /// <summary>The library's version string (assembly informational version).</summary>
    public static string LibraryVersion { get; } =
        typeof(Checkpoint).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    /// <summary>
    /// JSON options of the metadata (enums as strings, indented). Names are read case-insensitively: files written before
    /// the forget request had one type spell its keys "Kind", "Classes", "Fraction", "Seed".
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNameCaseInsensitive = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="model"/> and <paramref name="info"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, StagedModel model, CheckpointInfo info)
    {
        if (info.Model != model.Spec)
            throw new ArgumentException($"The metadata describes {info.Model.Describe()} but the model is {model.Spec.Describe()}.");
        using var weights = new MemoryStream();
        // TorchSharp closes the stream it is given; a writer that leaves it open keeps our buffer readable.
        using (var writer = new BinaryWriter(weights, Encoding.UTF8, leaveOpen: true)) model.save(writer);
        SignedFile.Write(path, Magic, JsonSerializer.SerializeToUtf8Bytes(info, Json), weights);
    }

    /// <summary>Reads only the metadata (after verifying the whole file).</summary>
    public static CheckpointInfo ReadInfo(string path) => Read(path).Info;

    /// <summary>
    /// Loads a checkpoint. With <paramref name="expected"/>, refuses a checkpoint of another architecture
    /// or options, naming both.
    /// </summary>
    public static LoadedCheckpoint Load(string path, ModelSpec? expected = null)
    {
        var (info, weights) = Read(path);
        if (expected is not null && expected != info.Model)
            throw new CheckpointException(
                $"{path} holds a {info.Model.Describe()} ({info.Model.InChannels} input channels, {info.Model.Classes} classes), " +
                $"but a {expected.Describe()} ({expected.InChannels} channels, {expected.Classes} classes) was asked for. " +
                "Use a checkpoint made with the same architecture and options, or change the requested ones.");
        var model = info.Model.Create();
        try
        {
            using var reader = new BinaryReader(new MemoryStream(weights));
            model.load(reader, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            model.Dispose();
            throw new CheckpointException($"{path}: the weights do not fit a {info.Model.Describe()} ({e.Message}). The file was written by another version or edited.", e);
        }
        model.eval();
        return new LoadedCheckpoint(model, info);
    }

    static (CheckpointInfo Info, byte[] Weights) Read(string path)
    {
        const string remedy = "re-create it (rerun the training or unlearning step)";
        if (!File.Exists(path)) throw new CheckpointException($"{path}: no such checkpoint file.");
        var (json, weights) = SignedFile.Read(path, Magic, "EraseAtCore checkpoint", remedy);
        CheckpointInfo? info;
        try { info = JsonSerializer.Deserialize<CheckpointInfo>(json, Json); }
        catch (JsonException e) { throw new CheckpointException($"{path}: not a readable EraseAtCore checkpoint (unreadable metadata: {e.Message}). The file is truncated or corrupt: {remedy}.", e); }
        if (info is null || info.Format != FormatTag)
            throw new CheckpointException($"{path}: checkpoint format '{info?.Format}' is not {FormatTag}; it was written by another version of EraseAtCore.");
        return (info, weights);
    }
}
