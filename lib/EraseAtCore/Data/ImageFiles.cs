namespace EraseAtCore.Data;

/// <summary>
/// The image files behind a streamed <see cref="ImageSet"/> and how each becomes a Size x Size image:
/// the evaluation transform (shorter side to <see cref="Resize"/>, centre crop of <see cref="Size"/>)
/// or, for training, torchvision's RandomResizedCrop (<see cref="ImageTransforms"/>).
/// </summary>
/// <param name="Paths">One file per image, in the set's order.</param>
/// <param name="Size">Side of the images produced.</param>
/// <param name="Resize">Shorter side before the evaluation centre crop (Size keeps the whole shorter side; 256 for 224 is torchvision's).</param>
public sealed record ImageFiles(IReadOnlyList<string> Paths, int Size, int Resize)
{
    /// <summary>Decodes image <paramref name="index"/> into <paramref name="planar"/> (3 x Size x Size bytes).</summary>
    /// <exception cref="DataFormatException">The file cannot be read or decoded (the message names it).</exception>
    public void Decode(int index, Span<byte> planar, Random? randomCrop = null)
    {
        var image = ImageDecoder.Decode(Paths[index]);
        if (randomCrop is not null) ImageTransforms.RandomResizedCrop(image, Size, randomCrop, planar);
        else ImageResize.ResizeAndCenterCrop(image.Rgb, image.Width, image.Height, Resize, Size, planar);
    }
}
