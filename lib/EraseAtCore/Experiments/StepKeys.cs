using EraseAtCore.Data;
using EraseAtCore.Ec;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;

namespace EraseAtCore.Experiments;

/// <summary>
/// The cache keys of one seed's steps. Each key is a fingerprint of the whole resolved settings its result depends
/// on: whole records are serialised (the preset, the recipe, the method's configuration, the evaluation and relearning
/// options), not a list of chosen fields, so a field added to any of them is covered without anyone remembering to add
/// it here. What is left out is said below with its reason, and a test changes every setting in turn and checks that
/// exactly those leave a key unchanged. The data enter by content (<see cref="DataFingerprint"/>), model files by hash,
/// and every key carries the library version. Left out everywhere: the device (a model made on a GPU serves a CPU rerun of
/// the same settings) and the list of methods run (each model's key is its own).
/// </summary>
internal sealed class StepKeys(ExperimentConfig config, Dataset data, ForgetSplit split, ModelSpec spec, int seed)
{
    readonly Preset _preset = config.Preset with { Train = config.Preset.Train with { Seed = seed } };

    /// <summary>
    /// The preset as training sees it. Left out: the description and the requirement text (words), streaming (the streamed
    /// path is bit-identical to the in-memory one, a tested promise), the forget request and the unlearning recipe (a model
    /// trained on everything does not depend on them; the retain set and the methods' resolved settings enter the keys that
    /// do), and the evaluation-only fields (test subset and evaluation resize; the step keys hold them).
    /// </summary>
    internal static Preset ForTraining(Preset p) => ForEvaluation(p) with { TestPerClass = null, EvalResize = null };

    /// <summary>The preset as an evaluation sees it: all of it but the words, streaming, the forget request (the split itself is in the key) and the unlearning recipe (resolved per method).</summary>
    internal static Preset ForEvaluation(Preset p) =>
        p with { Description = "", Requires = null, Stream = null, ForgetClasses = [], DefaultForget = null, UnlearnOptions = [] };

    string TrainData => RunFolder.Key(data.Name, data.ClassNames, DataFingerprint.Of(data.Train));

    /// <summary>The Original's model: an imported file by its content, a trained one by its recipe, architecture and training data.</summary>
    public string OriginalModel() => config.OriginalFile is { } file
        ? RunFolder.Key("original-file", Checkpoint.LibraryVersion, ModelFile.Fingerprint(file), spec, ForEvaluation(_preset).Normalize)
        : RunFolder.Key("original", Checkpoint.LibraryVersion, ForTraining(_preset), spec, TrainData);

    /// <summary>
    /// An unlearned (or retrained) model: the Original it starts from, the forget split, the method's resolved configuration and
    /// options (its defaults included, so a changed default recomputes), the method's own settings, the EC modules' key, the
    /// training recipe and data; a Retrain given as a file by its content instead.
    /// </summary>
    public string Model(string originalKey, ResolvedMethod resolved, object? methodSettings, string? modulesKey, string? retrainFileFingerprint) =>
        retrainFileFingerprint is not null
            ? RunFolder.Key("model", "retrain-file", Checkpoint.LibraryVersion, retrainFileFingerprint, spec, Forgotten)
            : RunFolder.Key("model", Checkpoint.LibraryVersion, resolved.Method, originalKey, Forgotten, resolved.Config, resolved.Options,
                methodSettings, modulesKey, ForTraining(_preset), TrainData);

    /// <summary>
    /// A model's evaluated step: the model's key, and everything its record holds a measure of: the preset as evaluated, the
    /// training and test data (UA, RA, MIA and probes read the training split), the forget split, the evaluation and relearning
    /// options, the metrics' version, the model key of the Retrain its CKA to Retrain was measured against (null: none), and
    /// whether it carries a PCA picture.
    /// </summary>
    public string Step(string name, string modelKey, string? retrainModelKey) =>
        RunFolder.Key("step", Checkpoint.LibraryVersion, ModelRecord.MetricsVersion, modelKey, ForEvaluation(_preset), TrainData,
            DataFingerprint.Of(data.Test), Forgotten, Evaluation, config.Relearning is { } r ? r with { Seed = seed } : null,
            name == "retrain" ? null : retrainModelKey, MakesProjection(name));

    /// <summary>EC modules trained for an Original: its key, the training data, normalisation and the modules' own options (not the forget request).</summary>
    public string EcModules(string originalKey, EcModulesOptions options) =>
        RunFolder.Key("ec-modules", Checkpoint.LibraryVersion, originalKey, TrainData, _preset.Normalize, options, Ec.EcModules.FormatTag);

    // What the split forgets, not how it was asked for: classes drawn at random, listed in a file (under any path) or
    // given by number are the same split when they are the same classes.
    ForgetRequest Forgotten => split.IsClassWise ? ForgetRequest.OfClasses([.. split.ForgetClasses]) : ForgetRequest.OfSamples(split.Fraction, split.Seed);

    /// <summary>The evaluation options of this seed.</summary>
    public EvaluationOptions Evaluation => config.Evaluation with { Seed = seed };

    /// <summary>True when this model's record carries the PCA picture of its last stage (the first seed of <see cref="ExperimentConfig.ProjectionModels"/>).</summary>
    public bool MakesProjection(string name) => config.ProjectionModels.Contains(name) && seed == config.Seeds[0];
}
