using System.CommandLine;
using EraseAtCore.Experiments;

namespace EraseAtCore.Cli.Commands;

/// <summary>Options that override a preset's recipe (only those given change it).</summary>
sealed class RecipeOptions
{
    readonly Option<int?> _epochs = new("--epochs") { Description = "Passes over the training set (default: the preset's)." };
    readonly Option<string?> _arch = new("--arch") { Description = $"{string.Join(", ", EraseAtCore.Models.ModelSpec.Architectures)} (default: the preset's)." };
    readonly Option<int?> _width = new("--width") { Description = "ResNet width w of the first stage (64 = standard)." };
    readonly Option<int?> _batch = new("--batch-size") { Description = "Images per step." };
    readonly Option<double?> _lr = new("--lr") { Description = "Initial learning rate." };
    readonly Option<bool> _noAugment = new("--no-augment") { Description = "Train without random crop and flip." };
    readonly Option<int?> _seed = new("--seed") { Description = "Seed of initialisation, shuffling and augmentation (same seed, same numbers on CPU)." };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _epochs, _arch, _width, _batch, _lr, _noAugment, _seed }) command.Add(o);
    }

    public Preset Apply(Preset preset, ParseResult parse)
    {
        var train = preset.Train;
        var model = preset.Model;
        if (parse.GetValue(_epochs) is { } e) train = train with { Epochs = e };
        if (parse.GetValue(_batch) is { } b) train = train with { BatchSize = b };
        if (parse.GetValue(_lr) is { } lr) train = train with { LearningRate = lr };
        if (parse.GetValue(_noAugment)) train = train with { Augment = null };
        if (parse.GetValue(_seed) is { } s) train = train with { Seed = s };
        if (parse.GetValue(_arch) is { } a) model = model with { Architecture = a };
        if (parse.GetValue(_width) is { } w) model = model with { Width = w };
        train.Validate();
        model.Validate();
        return preset with { Train = train, Model = model };
    }
}
