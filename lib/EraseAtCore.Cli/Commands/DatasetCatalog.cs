using EraseAtCore.Data;

namespace EraseAtCore.Cli.Commands;

/// <summary>Datasets besides Fashion-MNIST that `data info` reports on, with how to load each from a located folder.</summary>
static class DatasetCatalog
{
    public static IReadOnlyList<(DataManifest Manifest, Func<string, Dataset> Load)> Others { get; } =
    [
        (Cifar.Cifar10Manifest, folder => Cifar.LoadCifar10(new DataSearch { ExplicitFolder = folder, AllowDownload = false })),
        (Cifar.Cifar100Manifest, folder => Cifar.LoadCifar100(CifarLabels.Fine, new DataSearch { ExplicitFolder = folder, AllowDownload = false })),
    ];
}
